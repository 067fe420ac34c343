import type { GatewayResult, PaymentGateway } from '../../src/payments/index.js';

export type Call = { op: 'confirm' | 'lookup' | 'cancel'; result: string };

const summary = (r: GatewayResult): string => (r.kind === 'ok' ? r.payment.status : r.kind === 'rejected' ? r.code : (r.code ?? r.reason));

/** A gateway that writes down every call it passes on and what came back, for tests that assert the exact sequence. */
export function recording(gateway: PaymentGateway): { gateway: PaymentGateway; calls: Call[] } {
  const calls: Call[] = [];
  const note = async (op: Call['op'], p: Promise<GatewayResult>) => {
    const r = await p;
    calls.push({ op, result: summary(r) });
    return r;
  };
  return {
    calls,
    gateway: {
      confirm: (input, key) => note('confirm', gateway.confirm(input, key)),
      cancel: (key, input, idem) => note('cancel', gateway.cancel(key, input, idem)),
      findByOrderId: (orderId) => note('lookup', gateway.findByOrderId(orderId)),
      ...(gateway.transactions ? { transactions: gateway.transactions.bind(gateway) } : {}),
    },
  };
}

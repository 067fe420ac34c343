export { UserModel, type Role } from './user.js';
export { StoreModel } from './store.js';
export { ThemeModel } from './theme.js';
export { ScheduleModel, type ScheduleStatus } from './schedule.js';
export { ReservationModel, type ReservationStatus } from './reservation.js';
export { PaymentModel } from './payment.js';
export { PaymentAttemptModel } from './payment-attempt.js';
export { LoginHistoryModel } from './login-history.js';

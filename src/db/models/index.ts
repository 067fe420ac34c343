export { UserModel, type Role } from './user.js';
export { StoreModel } from './store.js';
export { ThemeModel } from './theme.js';

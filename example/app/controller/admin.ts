import { Controller } from 'egg';

export default class AdminController extends Controller {
  async users() {
    this.ctx.body = { users: [ 'ada', 'linus' ] };
  }

  async export() {
    this.ctx.body = { export: 'every customer record' };
  }
}

declare module 'egg' {
  interface IController {
    admin: AdminController;
  }
}

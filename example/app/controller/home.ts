import { Controller } from 'egg';

export default class HomeController extends Controller {
  async index() {
    this.ctx.body = { message: `hello from ${this.app.name}`, worker: process.pid };
  }
}

// What egg-ts-helper would generate into typings/: lets app/router.ts name the controller with types.
declare module 'egg' {
  interface IController {
    home: HomeController;
  }
}

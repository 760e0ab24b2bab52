'use strict';

const fs = require('fs/promises');
const { Controller } = require('egg');

class UploadController extends Controller {
  async create() {
    const { ctx } = this;
    try {
      ctx.body = ctx.request.files.map(file => ({ name: file.filename, type: file.mime }));
    } finally {
      await Promise.all(ctx.request.files.map(file => fs.rm(file.filepath, { force: true })));
    }
  }
}

module.exports = UploadController;

'use strict';

// egg's schedule guide: a task the agent triggers in one worker (here every 5 minutes).
module.exports = {
  schedule: {
    interval: '5m',
    type: 'worker',
  },
  async task(ctx) {
    const res = await ctx.curl(ctx.app.config.topics.refreshUrl, { dataType: 'json', timeout: 3000 });
    ctx.app.hotTopics = res.data;
  },
};

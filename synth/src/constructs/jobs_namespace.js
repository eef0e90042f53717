// The `jobs` channel namespace's handlers (APPSYNC_JS), embedded in the template as
// CodeHandlers. Subscribing is the only thing a browser may do (publishing is AWS_IAM, for
// job-state), and only to its own jobs: `/jobs/<caller's channel form>/<job or *>`.
// The channel form is wiring::owner::channel_owner's, pinned to the same vectors by
// handlers/tests/js/channel.test.js.
import { util } from '@aws-appsync/utils';

// The sub itself when it is a channel segment without `--`, else `b--` and its base64 with
// `+` and `/` spelled `-p` and `-s`; null when that exceeds the 50-character segment.
function channelOwner(sub) {
  if (/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/.test(sub) && sub.indexOf('--') < 0) {
    return sub;
  }
  const b64 = util.base64Encode(sub).split('=').join('');
  const form = 'b--' + b64.split('+').join('-p').split('/').join('-s');
  return form.length <= 50 ? form : null;
}

export function onSubscribe(ctx) {
  const sub = ctx.identity ? ctx.identity.sub : null;
  const segments = ctx.info.channel.segments;
  const owner = sub ? channelOwner(sub) : null;
  if (owner === null || segments.length < 3 || segments[1] !== owner) {
    util.unauthorized();
  }
}

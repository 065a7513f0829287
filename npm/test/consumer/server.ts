// A relying party's server in Node: verify() from 'mynacard/node' (and the bare specifier).
import { verify, MynaError } from 'mynacard/node';
import init, { verify as verify2 } from 'mynacard';

export async function check(certificate: Uint8Array, signature: Uint8Array, data: Uint8Array, anchors: Uint8Array[]): Promise<string> {
  await init();
  try {
    const r = verify({ certificate, signature, data, kind: 'auth', anchors, at: Date.now() / 1000 });
    verify2({ cms: signature, anchors });
    return `${r.subject} ${r.serial} ${r.notAfter} ${r.status}`;
  } catch (e) {
    if (e instanceof MynaError) return `${e.code}: ${e.messageJa}`;
    throw e;
  }
}

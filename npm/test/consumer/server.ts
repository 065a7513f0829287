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

// The デジタル認証アプリ hand-off on the backend, typed end to end.
import { OidcBackend } from 'mynacard/node';
import type { Authorization, LoginStep, OidcRequest, SealedSign, SignOpenStep, SignedDocument, FourInfo } from 'mynacard/node';

async function send(r: OidcRequest): Promise<[number, Uint8Array | null]> {
  // redirect: 'manual': a 3xx is an answer (HTTP_STATUS), never re-sent with the code or token.
  const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body ?? undefined, redirect: 'manual' }).catch(() => null);
  return res ? [res.status, new Uint8Array(await res.arrayBuffer())] : [0, null];
}

export function clearLoginCookie(): string {
  return OidcBackend.clearCookie();
}

export async function signDocument(issuer: string, keyPem: string, encPem: string, document: Uint8Array, callbackUrl: () => Promise<string>): Promise<FourInfo | null> {
  const now = () => Math.floor(Date.now() / 1000);
  const rp = new OidcBackend({ issuer, clientId: 'RP1', redirectUri: 'https://rp.example/cb', keyPkcs8: keyPem, encKeyPkcs8: encPem, signTransactionsEndpoint: `${issuer}/sign` });
  const kid: string | undefined = rp.publicJwks().keys[0]?.kid;
  const opening = rp.openSign({ document });
  let opened: SignOpenStep = { opened: false };
  while (!opened.opened) opened = opening.receive(rp, ...(await send(opening.request(rp, now()))));
  const start: Authorization = rp.authorize({ claims: ['name'], signTransactionId: opened.id }, now());
  const setCookie: string = start.setCookie;
  const browser: string | undefined = OidcBackend.browserCookie(setCookie.split(';')[0] ?? '');
  const flow = rp.start(start.pending, browser, await callbackUrl(), now());
  let step: LoginStep = { done: false };
  while (!step.done) step = flow.receive(rp, ...(await send(flow.request(rp, now()))), now());
  const signed: SignedDocument = rp.finishSign(opened.transaction, ...(await send(rp.signResultRequest(opened.transaction, flow))), { anchors: [] });
  return kid && step.subject ? signed.signer.fourInfo : null;
}

/** A relying party that signs through a platform operator: forwards the sealed result; the operator opens it. */
export async function forwardToOperator(rp: OidcBackend, transaction: string, flow: Parameters<OidcBackend['signResultRequest']>[1], operatorKeyPem: string): Promise<string> {
  const sealed: SealedSign = rp.forwardSign(transaction, ...(await send(rp.signResultRequest(transaction, flow))));
  const opened: SignedDocument = OidcBackend.openSealedSign(sealed.sealed, operatorKeyPem, { anchors: [] });
  return `${sealed.transactionId} ${opened.signer.subject}`;
}

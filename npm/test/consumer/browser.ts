// A page using the packed package: every call must type-check against its d.ts.
import init, { MynaCard, MynaError, requestReader, getReaders, readerKind, detectNfcTap, checkPinFormat } from 'mynacard/web';
import initVerify, { verify, MynaCard as FullCard } from 'mynacard/verify';
import { startHandoff, completeHandoff } from 'mynacard/handoff';
import type { Authentication, FourInfo, PinTries, Progress, ApduTransport } from 'mynacard/web';

export async function login(challenge: Uint8Array, pin: string): Promise<Authentication | string> {
  await init();
  await initVerify();
  if (checkPinFormat('auth', pin) !== undefined) return 'PIN_FORMAT';
  const reader = (await getReaders())[0] ?? (await requestReader());
  const kind: 'rcs380' | 'rcs300' | 'ccid' | undefined = readerKind(reader);
  const controller = new AbortController();
  const steps: string[] = [];
  const card = await MynaCard.connect(reader, { signal: controller.signal, onProgress: (p: Progress) => steps.push(p.step) });
  try {
    const auth = await card.authenticate(pin, challenge);
    const info: FourInfo = await card.readFourInfo('1234', { signal: controller.signal });
    const tries: PinTries = await card.pinTries();
    const left: number | undefined = tries.jpki_auth.remaining;
    const signed = await card.sign('ABC123', new TextEncoder().encode(info.name));
    const cert: Uint8Array = await card.readSignCertificate('ABC123');
    // PIN change and the 内部認証 are in the larger module only (the card page's size budget).
    const full = await FullCard.connect(reader);
    const changed: void = await full.changePin('assist', '1234', '0000', { signal: controller.signal });
    await full.close();
    const r = verify({ certificate: auth.certificate, signature: auth.signature, data: challenge, kind: 'auth' });
    console.log(changed, kind, left, signed.signature.length, cert.length, r.status, r.fourInfo?.name, card.reader, card.apdus);
    return auth;
  } catch (e) {
    if (e instanceof MynaError && e.code === 'PIN_INCORRECT') return `remaining ${e.remaining ?? '?'} ${e.messageJa}`;
    throw e;
  } finally {
    await card.close();
  }
}

export async function bridged(transport: ApduTransport): Promise<Uint8Array> {
  const card = await MynaCard.connect(transport);
  return card.readAuthCertificate();
}

export async function smartCard(): Promise<MynaCard> {
  return MynaCard.connect({ smartCardReader: null });
}

export async function tap(): Promise<'ndef' | 'other'> {
  return detectNfcTap();
}

// The declarations are real types, not `any`: these must fail to type-check.
export async function misuse(card: MynaCard): Promise<void> {
  // @ts-expect-error the PIN is a string
  await card.authenticate(1234, new Uint8Array(32));
  // @ts-expect-error unknown PIN name
  await card.pinState('jpki_other');
  // @ts-expect-error a FourInfo has no myNumber
  (await card.readFourInfo('1234')).myNumber;
  // @ts-expect-error options are an object
  await card.pinTries('fast');
  // @ts-expect-error the card module has no changePin: it is in 'mynacard/verify'
  await card.changePin('assist', '1234', '0000');
  const full = await FullCard.connect({ smartCardReader: null });
  // @ts-expect-error the 照合番号 are not PINs a resident changes
  await full.changePin('card_number_b', '55021720352285', '55021720352285');
  // @ts-expect-error the card module has no verify(): it is in 'mynacard/verify'
  (await import('mynacard/web')).verify;
}

// The hand-off to デジタル認証アプリ in a popup, and the callback page's side.

interface PortalResult { subject: string; fourInfo: { name: string } | null }

export async function handoff(signal: AbortSignal): Promise<string> {
  try {
    const result = await startHandoff<PortalResult>('/handoff/start', { mode: 'popup', signal, timeoutMs: 300_000 });
    return result.fourInfo?.name ?? result.subject;
  } catch (e) {
    if (e instanceof MynaError && e.code === 'CANCELLED') return 'cancelled';
    throw e;
  }
}

export function callbackPage(id: string | null, result: PortalResult): boolean {
  return completeHandoff(id, { result }) || completeHandoff(id, { error: { code: 'OIDC_NETWORK' } });
}

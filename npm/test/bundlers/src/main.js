// A vendor's page: the package's browser entries imported by name, nothing configured for
// their wasm.
import init, { checkPinFormat, MynaCard } from 'mynacard';
import { verify } from 'mynacard/verify';
import { startHandoff } from 'mynacard/handoff';

init().then(() => {
  window.bundlerResult = {
    pin: checkPinFormat('auth', '12a4') ?? 'ok',
    connect: typeof MynaCard.connect,
    verify: typeof verify,
    handoff: typeof startHandoff,
  };
});

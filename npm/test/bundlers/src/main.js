// A vendor's page: the package imported by name, nothing configured for its wasm.
import init, { checkPinFormat, MynaCard } from 'mynacard';

init().then(() => {
  window.bundlerResult = { pin: checkPinFormat('auth', '12a4') ?? 'ok', connect: typeof MynaCard.connect };
});

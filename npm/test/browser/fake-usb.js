// Test only: a `navigator.usb` double for the browser tests, injected with page.addInitScript
// before any page script runs. Its USBDevice objects (requestDevice / getDevices, open,
// selectConfiguration, claimInterface, transferOut / transferIn, controlTransferIn for the
// configuration descriptor, close, 'disconnect' events) forward every bulk transfer to
// VirtualUsbDevice (tests/virtual-usb-wasm: the virtual card behind an emulated RC-S380,
// RC-S300 or CCID reader, built to wasm), so the page's mynacard code drives real USB frames.
//
//   const dev = await fakeUsb.plug('taro', 'rcs380', { wtx: 2, unplugAfter: 40 });
//   fakeUsb.allowProtected = true;   // act as an Isolated Web App: CCID (class 0x0B) claimable
(() => {
  const MODULE = '/target/browser-test/virtual-usb/mynacard_virtual_usb_wasm.js';
  let loading;
  const load = () =>
    (loading ??= import(MODULE).then(async (m) => {
      await m.default();
      return m;
    }));

  const dom = (name, message) => new DOMException(message ?? name, name);

  // Ids as the real readers have them; the CCID one is an arbitrary class-0x0B reader.
  const IDS = {
    rcs380: { vendorId: 0x054c, productId: 0x06c3, productName: 'RC-S380/P' },
    rcs300: { vendorId: 0x054c, productId: 0x0dc9, productName: 'RC-S300/P' },
    ccid: { vendorId: 0x072f, productId: 0x90cc, productName: 'CCID Smart Card Reader' },
  };

  const endpoint = (endpointNumber, direction, type = 'bulk') => ({
    endpointNumber, direction, type, packetSize: 64,
  });
  const iface = (interfaceNumber, interfaceClass, endpoints) => {
    const alternate = { alternateSetting: 0, interfaceClass, interfaceSubclass: 0, interfaceProtocol: 0, interfaceName: null, endpoints };
    return { interfaceNumber, alternate, alternates: [alternate], claimed: false };
  };
  // USB descriptors as each reader has them (docs/readers.md): RC-S380 interface 0 class FF,
  // OUT 2 / IN 1; RC-S300 interface 1 class FF, OUT 2 / IN 2 (the
  // vendor interface; interface 0 is modelled without endpoints); CCID interface 0 class 0B,
  // OUT 2 / IN 2 / interrupt IN 3.
  const INTERFACES = {
    rcs380: () => [iface(0, 0xff, [endpoint(2, 'out'), endpoint(1, 'in')])],
    rcs300: () => [iface(0, 0xff, []), iface(1, 0xff, [endpoint(2, 'out'), endpoint(2, 'in')])],
    ccid: () => [iface(0, 0x0b, [endpoint(2, 'out'), endpoint(2, 'in'), endpoint(3, 'in', 'interrupt')])],
  };

  // Configuration descriptor with the CCID class descriptor (54 bytes, type 0x21).
  function configDescriptor(dev) {
    const ccid = new Uint8Array(54);
    const dv = new DataView(ccid.buffer);
    ccid[0] = 54; ccid[1] = 0x21; dv.setUint16(2, 0x0110, true);
    dv.setUint32(6, 0x2, true); // T=1
    dv.setUint32(40, dev.virtual.ccidFeatures, true);
    dv.setUint32(44, dev.virtual.ccidMaxMessage, true);
    const config = [9, 2, 0, 0, 1, 1, 0, 0x80, 50];
    const intf = [9, 4, 0, 0, 3, 0x0b, 0, 0, 0];
    const bytes = new Uint8Array([...config, ...intf, ...ccid]);
    new DataView(bytes.buffer).setUint16(2, bytes.length, true);
    return bytes;
  }

  const usb = new EventTarget();
  const plugged = [];
  const allowed = new Set();
  const state = { allowProtected: false, devices: plugged };

  class FakeUSBDevice {
    constructor(virtual, kind, options) {
      Object.assign(this, IDS[kind]);
      this.kind = kind;
      this.virtual = virtual;
      this.usbVersionMajor = 2;
      this.opened = false;
      const configuration = { configurationValue: 1, configurationName: null, interfaces: INTERFACES[kind]() };
      this.configurations = [configuration];
      this.configuration = null;
      this.unplugAfter = options.unplugAfter ?? null;
      this.claimError = options.claimError ?? null; // e.g. 'NetworkError': a kernel driver holds it
      this.transfers = 0;
      this.gone = false;
    }
    async open() { if (this.gone) throw dom('NotFoundError', 'The device was disconnected.'); this.opened = true; }
    async close() { this.opened = false; }
    async forget() { allowed.delete(this); }
    async reset() {}
    async selectConfiguration(value) {
      if (!this.opened) throw dom('InvalidStateError', 'The device must be opened first.');
      this.configuration = this.configurations.find((c) => c.configurationValue === value) ?? (() => { throw dom('NotFoundError', 'The configuration value provided is not supported by the device.'); })();
    }
    async claimInterface(number) {
      if (!this.opened || !this.configuration) throw dom('InvalidStateError', 'The device must be opened first.');
      const i = this.configuration.interfaces.find((x) => x.interfaceNumber === number);
      if (!i) throw dom('NotFoundError', 'The interface number provided is not supported by the device in its current configuration.');
      // Chromium's protected classes: CCID (0x0B) only for Isolated Web Apps.
      if (i.alternate.interfaceClass === 0x0b && !state.allowProtected) throw dom('SecurityError', 'The requested interface implements a protected class.');
      if (this.claimError) throw dom(this.claimError, 'Unable to claim interface.');
      i.claimed = true;
    }
    async releaseInterface(number) {
      const i = this.configuration?.interfaces.find((x) => x.interfaceNumber === number);
      if (i) i.claimed = false;
    }
    _check() {
      if (this.gone) throw dom('NotFoundError', 'The device was disconnected.');
      if (!this.opened) throw dom('InvalidStateError', 'The device must be opened first.');
      this.transfers += 1;
      if (this.unplugAfter !== null && this.transfers > this.unplugAfter) {
        this.unplug();
        throw dom('NotFoundError', 'The device was disconnected.');
      }
    }
    _fault(e) {
      if (e === 'stall') return { status: 'stall' };
      if (e === 'disconnected') { this.unplug(); throw dom('NotFoundError', 'The device was disconnected.'); }
      throw e;
    }
    async transferOut(endpointNumber, data) {
      this._check();
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      try { this.virtual.transferOut(endpointNumber, bytes); } catch (e) { return { ...this._fault(e), bytesWritten: 0 }; }
      return { status: 'ok', bytesWritten: bytes.length };
    }
    async transferIn(endpointNumber, length) {
      this._check();
      let bytes;
      try { bytes = this.virtual.transferIn(endpointNumber, length); } catch (e) {
        // Nothing to read: a real device keeps the transfer pending until data comes.
        if (e === 'timeout') return new Promise(() => {});
        return this._fault(e);
      }
      return { status: 'ok', data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
    async controlTransferIn(setup, length) {
      if (this.gone) throw dom('NotFoundError', 'The device was disconnected.');
      if (setup.requestType === 'standard' && setup.request === 6 && setup.value >> 8 === 2) {
        const d = configDescriptor(this).slice(0, length);
        return { status: 'ok', data: new DataView(d.buffer) };
      }
      return { status: 'stall' };
    }
    async controlTransferOut() { return { status: 'stall', bytesWritten: 0 }; }
    unplug() {
      if (this.gone) return;
      this.gone = true;
      this.opened = false;
      this.virtual.unplug();
      const ev = new Event('disconnect');
      ev.device = this;
      usb.dispatchEvent(ev);
    }
  }

  const matches = (dev, f) =>
    (f.vendorId === undefined || f.vendorId === dev.vendorId) &&
    (f.productId === undefined || f.productId === dev.productId) &&
    (f.classCode === undefined || dev.configurations[0].interfaces.some((i) => i.alternate.interfaceClass === f.classCode));

  usb.requestDevice = async (options) => {
    if (!options || !Array.isArray(options.filters)) throw new TypeError('filters required');
    const dev = plugged.find((d) => !d.gone && (options.filters.length === 0 || options.filters.some((f) => matches(d, f))));
    if (!dev) throw dom('NotFoundError', 'No device selected.');
    allowed.add(dev);
    return dev;
  };
  usb.getDevices = async () => [...allowed].filter((d) => !d.gone);

  state.plug = async (persona, kind, options = {}) => {
    const m = await load();
    const dev = new FakeUSBDevice(new m.VirtualUsbDevice(persona, kind, options), kind, options);
    plugged.push(dev);
    return dev;
  };
  state.unplugAll = () => plugged.forEach((d) => d.unplug());
  Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => usb });
  window.fakeUsb = state;
})();

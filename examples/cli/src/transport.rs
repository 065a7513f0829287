//! The CLI's choice of link: a PC/SC reader or the in-process virtual card.

use mynacard_core::transport::{Capabilities, Transport, TransportError};
use mynacard_pcsc::PcscTransport;
use mynacard_virtual_card::{VirtualCard, VirtualTransport};

pub enum AnyTransport {
    Pcsc(PcscTransport),
    Virtual(Box<VirtualTransport>),
}

/// `pcsc`, `pcsc:NAME` or a virtual persona.
pub fn open(
    reader: Option<&str>,
    persona: Option<&str>,
) -> Result<AnyTransport, mynacard_core::Error> {
    if let Some(name) = persona {
        let card = VirtualCard::builtin(name).ok_or(mynacard_core::Error::Transport(
            TransportError::ReaderNotFound,
        ))?;
        return Ok(AnyTransport::Virtual(Box::new(VirtualTransport::new(card))));
    }
    let name = match reader {
        None | Some("pcsc") => None,
        Some(r) => Some(r.strip_prefix("pcsc:").unwrap_or(r)),
    };
    Ok(AnyTransport::Pcsc(PcscTransport::connect(name)?))
}

impl Transport for AnyTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            AnyTransport::Pcsc(t) => t.transmit(command).await,
            AnyTransport::Virtual(t) => t.transmit(command).await,
        }
    }

    fn capabilities(&self) -> Capabilities {
        match self {
            AnyTransport::Pcsc(t) => t.capabilities(),
            AnyTransport::Virtual(t) => t.capabilities(),
        }
    }
}

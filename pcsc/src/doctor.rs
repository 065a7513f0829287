//! The PC/SC part of the reader doctor (リーダー診断).

use mynacard_core::transport::TransportError;
use pcsc::{Context, Scope};

use crate::PcscTransport;

/// What the reader doctor needs from PC/SC ([`mynacard_core::reader::doctor`]): whether the
/// service answers, its readers, and what each holds. A card is identified by the SDK's own
/// `connect` (SELECT of the JPKI AP and its token: two APDUs, no PIN), then unpowered.
pub async fn observe() -> mynacard_core::reader::doctor::PcscView {
    use mynacard_core::error::{CardError, Error};
    use mynacard_core::reader::doctor::{CardSeen, PcscReader, PcscView};
    let Ok(ctx) = Context::establish(Scope::User) else {
        return PcscView::ServiceDown;
    };
    let names = match ctx.list_readers_owned() {
        Ok(names) if !names.is_empty() => names,
        Ok(_) | Err(pcsc::Error::NoReadersAvailable) => return PcscView::NoReaders,
        Err(pcsc::Error::NoService | pcsc::Error::ServiceStopped) => return PcscView::ServiceDown,
        Err(_) => return PcscView::NoReaders,
    };
    drop(ctx);
    let mut readers = Vec::new();
    for name in names {
        let name = name.to_string_lossy().into_owned();
        let card = match PcscTransport::connect(Some(&name)) {
            Err(TransportError::CardRemoved) => CardSeen::Absent,
            Err(_) => CardSeen::Unresponsive,
            Ok(transport) => match mynacard_core::MynaCard::connect(transport).await {
                Ok(_) => CardSeen::MyNumberCard,
                Err(Error::Card(CardError::WrongCard { found })) => CardSeen::Other(found),
                Err(_) => CardSeen::Unresponsive,
            },
        };
        readers.push(PcscReader { name, card });
    }
    PcscView::Readers(readers)
}

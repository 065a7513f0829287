//! JPKI token EF 0006: tells a My Number Card from a 住基カード or a smartphone credential.

use super::{Application, MynaCard};
use crate::error::CardError;
use crate::error::{CardKind, Error};
use crate::transport::Transport;

const EF_TOKEN: u16 = 0x0006;
/// Bytes read from the token EF: the token is ASCII, space padded; peers read 32.
const TOKEN_LEN: usize = 32;

/// What a token says the card is.
pub(crate) fn classify(token: &[u8]) -> Result<(), CardKind> {
    let end = token
        .iter()
        .rposition(|b| !matches!(b, b' ' | 0x00 | 0xFF))
        .map_or(0, |i| i + 1);
    match &token[..end] {
        b"JPKIAPICCTOKEN2" => Ok(()),
        b"JPKIAPICCTOKEN" => Err(CardKind::JukiCard),
        // Android (GP SE) and iPhone credentials (soltia48/myna-card `src/ap/jpki.rs`).
        b"JPKIAPGPSETOKEN" | b"JPKIAPIOSTOKEN" => Err(CardKind::Smartphone),
        _ => Err(CardKind::Unknown),
    }
}

impl<T: Transport> MynaCard<T> {
    pub(super) async fn check_token(&mut self) -> Result<(), Error> {
        let not_here = |e| match e {
            Error::Card(CardError::FileNotFound) => Error::Card(CardError::WrongCard {
                found: CardKind::Unknown,
            }),
            e => e,
        };
        let token = match self
            .read_by_short_ef_id(Application::Jpki, EF_TOKEN, TOKEN_LEN)
            .await
            .map_err(not_here)?
        {
            Some(token) => token,
            None => {
                self.select_ef(Application::Jpki, EF_TOKEN)
                    .await
                    .map_err(not_here)?;
                self.read_binary(0, TOKEN_LEN).await?
            }
        };
        classify(&token).map_err(|found| Error::Card(CardError::WrongCard { found }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(classify(b"JPKIAPICCTOKEN2                 "), Ok(()));
        assert_eq!(
            classify(b"JPKIAPICCTOKEN                  "),
            Err(CardKind::JukiCard)
        );
        assert_eq!(
            classify(b"JPKIAPGPSETOKEN                 "),
            Err(CardKind::Smartphone)
        );
        assert_eq!(classify(b""), Err(CardKind::Unknown));
        assert_eq!(classify(b"JPKIAPICCTOKEN2X"), Err(CardKind::Unknown));
    }
}

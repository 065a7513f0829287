//! Server challenges for 利用者証明用 log-in: random, short-lived and accepted once, so a
//! signature captured from one log-in cannot be replayed in another. Sans-IO: the caller
//! supplies the random bytes (e.g. from `getrandom`) and the time.

use std::collections::HashMap;

use crate::cert::UnixTime;
use crate::error::Error;
use crate::error::VerifyError;

/// Challenges issued and not yet used. Keep one per server process (or back it with a
/// shared store using the same rules).
#[derive(Debug, Default)]
pub struct Challenges {
    /// challenge → expiry.
    issued: HashMap<[u8; 32], UnixTime>,
    ttl: u64,
}

impl Challenges {
    /// Challenges valid for `ttl_seconds` (a PIN entry takes a resident up to a minute or two).
    pub fn new(ttl_seconds: u64) -> Challenges {
        Challenges {
            issued: HashMap::new(),
            ttl: ttl_seconds,
        }
    }

    /// Registers `random` (32 bytes from a CSPRNG) as a challenge issued at `now`.
    pub fn issue(&mut self, random: [u8; 32], now: UnixTime) -> [u8; 32] {
        self.purge(now);
        self.issued
            .insert(random, UnixTime(now.0.saturating_add(self.ttl)));
        random
    }

    /// Accepts `challenge` once, if it was issued and has not expired.
    pub fn consume(&mut self, challenge: &[u8], now: UnixTime) -> Result<(), Error> {
        self.purge(now);
        let key: [u8; 32] = challenge
            .try_into()
            .map_err(|_| Error::Verify(VerifyError::ChallengeInvalid))?;
        match self.issued.remove(&key) {
            Some(expiry) if now <= expiry => Ok(()),
            _ => Err(Error::Verify(VerifyError::ChallengeInvalid)),
        }
    }

    /// Challenges outstanding.
    pub fn len(&self) -> usize {
        self.issued.len()
    }

    /// Whether no challenge is outstanding.
    pub fn is_empty(&self) -> bool {
        self.issued.is_empty()
    }

    fn purge(&mut self, now: UnixTime) {
        self.issued.retain(|_, expiry| now <= *expiry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_and_not_after_expiry() {
        let mut c = Challenges::new(120);
        let a = c.issue([1; 32], UnixTime(1000));
        let b = c.issue([2; 32], UnixTime(1000));
        assert_eq!(c.consume(&a, UnixTime(1100)), Ok(()));
        assert_eq!(
            c.consume(&a, UnixTime(1100)),
            Err(Error::Verify(VerifyError::ChallengeInvalid))
        );
        assert_eq!(
            c.consume(&b, UnixTime(1121)),
            Err(Error::Verify(VerifyError::ChallengeInvalid))
        );
        assert_eq!(
            c.consume(&[3; 32], UnixTime(1000)),
            Err(Error::Verify(VerifyError::ChallengeInvalid))
        );
        assert_eq!(
            c.consume(&[1; 5], UnixTime(1000)),
            Err(Error::Verify(VerifyError::ChallengeInvalid))
        );
        assert!(c.is_empty());
    }
}

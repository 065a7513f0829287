//! Which secret a value is, and how the user calls it. A leaf: the error model names it.

/// Which secret a value is. Each has its own format and its own retry counter on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用電子証明書の暗証番号: 4 digits, 3 tries.
    Auth,
    /// 署名用電子証明書の暗証番号: 6–16 of A–Z and 0–9, 5 tries.
    Sign,
    /// 券面事項入力補助用の暗証番号: 4 digits, 3 tries.
    Assist,
    /// 照合番号A: the 12-digit My Number itself.
    CardNumberA,
    /// 照合番号B: birth date YYMMDD (Japanese era year) + expiry year YYYY + 4-digit security code.
    CardNumberB,
    /// 生年月日 key of the 券面事項確認AP (EF 0011): the birth date YYMMDD with the Japanese era
    /// year (1980-02-17 = 昭和55 → `550217`); it opens EF 0001 for the internal authentication.
    BirthDate,
}

impl PinKind {
    /// What the user calls this secret, in English.
    pub fn name_en(self) -> &'static str {
        match self {
            PinKind::Auth => "user authentication PIN",
            PinKind::Sign => "signature PIN",
            PinKind::Assist => "text input assistance PIN",
            PinKind::CardNumberA => "collation number A (My Number)",
            PinKind::CardNumberB => "collation number B",
            PinKind::BirthDate => "birth-date PIN (card face application)",
        }
    }

    /// What the user calls this secret, in Japanese.
    pub fn name_ja(self) -> &'static str {
        match self {
            PinKind::Auth => "利用者証明用電子証明書の暗証番号",
            PinKind::Sign => "署名用電子証明書の暗証番号",
            PinKind::Assist => "券面事項入力補助用の暗証番号",
            PinKind::CardNumberA => "照合番号A（個人番号）",
            PinKind::CardNumberB => "照合番号B",
            PinKind::BirthDate => "生年月日暗証番号（券面事項確認AP）",
        }
    }

    /// Its format, in English (the `{rule}` of `PIN_FORMAT`).
    pub fn rule_en(self) -> &'static str {
        match self {
            PinKind::Auth | PinKind::Assist => "exactly 4 digits",
            PinKind::Sign => "6 to 16 characters of A-Z and 0-9",
            PinKind::CardNumberA => "the 12-digit My Number with a valid check digit",
            PinKind::CardNumberB => {
                "14 digits: birth date YYMMDD in the Japanese era, expiry year YYYY, 4-digit security code"
            }
            PinKind::BirthDate => {
                "6 digits: a real birth date YYMMDD with the Japanese era year (1980-02-17 = Showa 55 -> 550217)"
            }
        }
    }

    /// Its format, in Japanese (the `{rule_ja}` of `PIN_FORMAT`).
    pub fn rule_ja(self) -> &'static str {
        match self {
            PinKind::Auth | PinKind::Assist => "数字4桁",
            PinKind::Sign => "英大文字（A～Z）と数字（0～9）の6～16文字",
            PinKind::CardNumberA => "検査用数字が正しい12桁の個人番号",
            PinKind::CardNumberB => {
                "14桁の数字（和暦の生年月日6桁＋有効期限の西暦年4桁＋セキュリティコード4桁）"
            }
            PinKind::BirthDate => {
                "実在する和暦の生年月日6桁（YYMMDD。例: 昭和55年2月17日 → 550217）"
            }
        }
    }

    /// Every kind, in a stable order.
    pub const ALL: [PinKind; 6] = [
        PinKind::Auth,
        PinKind::Sign,
        PinKind::Assist,
        PinKind::CardNumberA,
        PinKind::CardNumberB,
        PinKind::BirthDate,
    ];

    /// The stable name every face spells this kind with: `auth`, `sign`, `assist`,
    /// `card_number_a`, `card_number_b`, `birth_date`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PinKind::Auth => "auth",
            PinKind::Sign => "sign",
            PinKind::Assist => "assist",
            PinKind::CardNumberA => "card_number_a",
            PinKind::CardNumberB => "card_number_b",
            PinKind::BirthDate => "birth_date",
        }
    }

    /// The kind named `name` as [`PinKind::as_str`] spells it.
    pub fn from_name(name: &str) -> Option<PinKind> {
        PinKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

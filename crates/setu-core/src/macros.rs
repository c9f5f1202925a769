//! Macros shared by the vocabulary modules.

/// An enum of kinds stored as short strings (`border-booth`, `lccht`), with `ALL`, `as_str`
/// and `parse`; the string is also the suffix of the kind's Fluent message id.
macro_rules! kinds {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $s)] $variant),+ }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value's stored form, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            /// Stored form; also the suffix of its message id.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Reads the stored form.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

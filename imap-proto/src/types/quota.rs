//! QUOTA (RFC 9208): resources, limits and usage.

use super::core::Atom;

/// A quota resource (RFC 9208 `resource-name`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum QuotaResource {
    /// `STORAGE`: the size of the messages, in units of 1024 octets.
    Storage,
    /// `MESSAGE`: the number of messages.
    Message,
    /// `MAILBOX`: the number of mailboxes.
    Mailbox,
    /// `ANNOTATION-STORAGE`: the size of the annotations, in 1024 octets.
    AnnotationStorage,
    /// Any other resource.
    Other(Atom),
}

impl QuotaResource {
    const NAMED: [QuotaResource; 4] =
        [QuotaResource::Storage, QuotaResource::Message, QuotaResource::Mailbox, QuotaResource::AnnotationStorage];

    /// The resource named `name` (case-insensitive), or
    /// [`QuotaResource::Other`]: the keyword table, with
    /// [`QuotaResource::name`] its other direction.
    pub fn from_atom(name: Atom) -> QuotaResource {
        QuotaResource::NAMED.into_iter().find(|r| name.eq_ignore_case(r.name())).unwrap_or(QuotaResource::Other(name))
    }

    /// The resource's name on the wire.
    pub fn name(&self) -> &str {
        match self {
            QuotaResource::Storage => "STORAGE",
            QuotaResource::Message => "MESSAGE",
            QuotaResource::Mailbox => "MAILBOX",
            QuotaResource::AnnotationStorage => "ANNOTATION-STORAGE",
            QuotaResource::Other(a) => a.as_str(),
        }
    }
}

/// One resource of a QUOTA response: how much is used of how much.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QuotaUsage {
    /// The resource.
    pub resource: QuotaResource,
    /// Current usage.
    pub usage: u64,
    /// The limit.
    pub limit: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_resource_reads_back_from_its_name() {
        for resource in QuotaResource::NAMED {
            // Fails to compile when a variant is added without a line here.
            match &resource {
                QuotaResource::Storage
                | QuotaResource::Message
                | QuotaResource::Mailbox
                | QuotaResource::AnnotationStorage => {}
                QuotaResource::Other(_) => unreachable!(),
            }
            let name = Atom::try_from(resource.name().to_ascii_lowercase().as_str()).unwrap();
            assert_eq!(QuotaResource::from_atom(name), resource);
        }
    }
}

//! METADATA (RFC 5464) commands and responses.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// GETMETADATA after its name.
    ///
    /// ```text
    /// getmetadata     = "GETMETADATA" [SP getmetadata-options]
    ///                   SP mailbox SP entries
    /// getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"
    /// getmetadata-option = "MAXSIZE" SP number /
    ///                   "DEPTH" SP ("0" / "1" / "infinity") / tagged-ext
    /// entries         = entry / "(" entry *(SP entry) ")"
    /// entry           = astring
    /// ```
    ///
    /// RFC 5464's own examples put the options after the mailbox and list
    /// several entries without parentheses; both are read too.
    pub(crate) fn get_metadata(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mut options = self.metadata_options()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let starts_options = |p: &Self| {
            let rest = p.rest();
            rest.first() == Some(&b'(')
                && [&b"MAXSIZE "[..], b"DEPTH "]
                    .iter()
                    .any(|kw| rest.get(1..1 + kw.len()).is_some_and(|r| r.eq_ignore_ascii_case(kw)))
        };
        if options.is_empty() && starts_options(self) {
            options = self.metadata_options()?;
        }
        let entries = if self.peek() == Some(b'(') {
            let entries = self.paren_list(|p| p.astring())?;
            if entries.is_empty() {
                return self.err("at least one entry");
            }
            entries
        } else {
            let mut entries = vec![self.astring()?];
            while self.eat(b' ') {
                if self.at_eol() {
                    break;
                }
                entries.push(self.astring()?);
            }
            entries
        };
        Ok(CommandBody::GetMetadata { options, mailbox, entries })
    }

    /// `[getmetadata-options SP]`: the options and the space after them.
    fn metadata_options(&mut self) -> PResult<Vec<MetadataOption>> {
        let mut options = Vec::new();
        if self.peek() == Some(b'(') {
            options = self.paren_list(|p| {
                Ok(if p.eat_keyword(b"MAXSIZE") {
                    p.sp()?;
                    MetadataOption::MaxSize(p.number()?)
                } else if p.eat_keyword(b"DEPTH") {
                    p.sp()?;
                    MetadataOption::Depth(if p.eat_keyword(b"0") {
                        MetadataDepth::Zero
                    } else if p.eat_keyword(b"1") {
                        MetadataDepth::One
                    } else {
                        p.keyword(b"infinity", "0, 1 or infinity")?;
                        MetadataDepth::Infinity
                    })
                } else {
                    MetadataOption::Other(p.modifier()?)
                })
            })?;
            self.sp()?;
        }
        Ok(options)
    }

    /// SETMETADATA after its name.
    ///
    /// ```text
    /// setmetadata     = "SETMETADATA" SP mailbox SP entry-values
    /// entry-values    = "(" entry-value *(SP entry-value) ")"
    /// entry-value     = entry SP value
    /// value           = nstring / literal8
    /// ```
    pub(crate) fn set_metadata(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let entries = self.entry_values()?;
        if entries.is_empty() {
            return self.err("at least one entry");
        }
        Ok(CommandBody::SetMetadata { mailbox, entries })
    }

    fn entry_values(&mut self) -> PResult<Vec<(IString, Option<IString>)>> {
        self.paren_list(|p| {
            let entry = p.astring()?;
            p.sp()?;
            let value = if p.peek() == Some(b'~') { Some(p.literal()?) } else { p.nstring()? };
            Ok((entry, value))
        })
    }

    /// `* METADATA ...` after the name.
    ///
    /// ```text
    /// metadata-resp   = "METADATA" SP mailbox SP (entry-values / entry-list)
    /// entry-list      = entry *(SP entry)
    /// ```
    pub(crate) fn metadata_data(&mut self) -> PResult<Data> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let entries = if self.peek() == Some(b'(') {
            MetadataEntries::Values(self.entry_values()?)
        } else {
            let mut names = vec![self.astring()?];
            while self.eat(b' ') {
                if self.at_eol() {
                    break;
                }
                names.push(self.astring()?);
            }
            MetadataEntries::Changed(names)
        };
        self.skip_spaces();
        Ok(Data::Metadata { mailbox, entries })
    }
}

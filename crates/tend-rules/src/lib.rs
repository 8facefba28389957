//! The moderation rule language: rules compatible with Reddit's AutoModerator (as specified in
//! `shared/specs/automoderator.md`) plus Tend's extensions, run on every channel.
//!
//! - [`RuleSet::parse`] reads a rule file (a YAML stream of `---`-separated documents) into
//!   compiled rules, or into [`Diagnostic`]s naming document, line and key.
//! - [`RuleSet::evaluate`] runs the rules on one channel-neutral [`Item`] and returns an
//!   [`Outcome`]: the rules that fired, in AutoModerator's order, with their [`Action`]s.
//!
//! Nothing here panics on hostile rules or text: YAML depth and alias expansion are bounded,
//! every regex has a backtrack limit (a check that exceeds it counts as not matching and the
//! outcome says so), and every value is validated with a located message.

mod action;
mod check;
mod diagnostic;
mod eval;
mod item;
mod parse;
mod prefilter;
mod pyregex;
mod rule;
mod runs;
mod standard;
mod template;
mod yaml;

pub use action::{Action, NotifyTarget, Target};
pub use check::BACKTRACK_LIMIT;
pub use diagnostic::{Diagnostic, Severity};
pub use eval::{EvalContext, Fired, Note, Outcome, Reason, Trigger};
pub use item::{Author, Item, ItemKind, domain_of};
pub use rule::{Duties, Figure, Rule, RuleHash};

use prefilter::{Prefilter, Slot};

/// A parsed, compiled rule file.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    warnings: Vec<Diagnostic>,
    /// Removal rules by priority (highest first, file order among equals).
    removal_order: Vec<usize>,
    /// All other rules, in the same order.
    other_order: Vec<usize>,
    prefilter: Prefilter,
    /// Some rule uses `ignore_blockquotes`.
    needs_unquoted: bool,
}

impl RuleSet {
    /// Parses a rule file. On success the set also carries the warnings
    /// ([`RuleSet::warnings`]); on failure every diagnostic is returned, errors and warnings, in
    /// file order.
    pub fn parse(source: &str) -> Result<RuleSet, Vec<Diagnostic>> {
        let (documents, mut diagnostics) = yaml::load(source);
        let mut rules = Vec::new();
        for document in &documents {
            if let Some(mut rule) = parse::parse_document(document, &mut diagnostics) {
                rule.index = rules.len();
                rules.push(rule);
            }
        }
        diagnostics.sort_by_key(|d| (d.document, d.line));
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        Ok(RuleSet::assemble(rules, diagnostics))
    }

    fn assemble(mut rules: Vec<Rule>, warnings: Vec<Diagnostic>) -> RuleSet {
        let mut prefiltered = Vec::new();
        let mut needs_unquoted = false;
        for rule in &mut rules {
            let unquoted = rule.base.ignore_blockquotes;
            needs_unquoted |= unquoted;
            for check in &mut rule.base.search {
                let Some(literals) = &check.literals else {
                    continue;
                };
                let mut mask = 0u8;
                let mut all_slotted = true;
                for field in &check.fields {
                    let slot = match field {
                        check::Field::Title => Slot::Title,
                        check::Field::Body if unquoted => Slot::BodyUnquoted,
                        check::Field::Body => Slot::Body,
                        check::Field::Url => Slot::Url,
                        check::Field::Domain => Slot::Domain,
                        _ => {
                            all_slotted = false;
                            break;
                        }
                    };
                    mask |= 1 << slot as u8;
                }
                if all_slotted {
                    check.slot = Some(prefiltered.len());
                    prefiltered.push((literals.clone(), mask));
                }
            }
        }
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rules[i].priority));
        let (removal_order, other_order) = order.into_iter().partition(|&i| rules[i].removal);
        RuleSet {
            prefilter: Prefilter::build(&prefiltered),
            rules,
            warnings,
            removal_order,
            other_order,
            needs_unquoted,
        }
    }

    /// The same rules with the literal and repeated-character prefilters switched off (every
    /// regex runs): the reference the prefilters are tested against.
    #[doc(hidden)]
    pub fn without_prefilter(mut self) -> RuleSet {
        for rule in &mut self.rules {
            for check in &mut rule.base.search {
                check.slot = None;
                check.required_run = 0;
            }
            let parent = rule
                .parent
                .iter_mut()
                .flat_map(|(c, _)| c.search.iter_mut());
            let author = rule
                .author
                .iter_mut()
                .flat_map(|(c, _)| c.search.iter_mut());
            for check in parent.chain(author) {
                check.required_run = 0;
            }
        }
        self.prefilter = Prefilter::build(&[]);
        self
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Warnings found while parsing (things ignored or impossible in Tend).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}

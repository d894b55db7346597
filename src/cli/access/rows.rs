//! The rows of `canopy access report --format json`, assembled from JSON pieces escaped once.
//!
//! At Azure's limits the report has millions of rows (2.3 GB), and serde_json escaping every
//! principal name, role and scope path again on each row, a byte at a time, was a fifth of the
//! whole command's CPU (perf: `format_escaped_str` at 19%). Each distinct name is escaped once
//! here, still by serde_json, and a row is the escaped pieces copied in order. A row this
//! writer does not handle (a co-administrator's, or one with conditions, both rare) is written
//! by serde_json whole. `rows_written_from_pieces_are_serde_json_s_rows` holds the two to the
//! same bytes on every row of a tree.

use super::{Places, RowJson, assignment_json, row_json};
use crate::Analysis;
use crate::access::Reach;
use crate::access::report::{AccessReport, PrivilegedRow, ReachScratch, Row, Spelled};
use crate::access::{SharedPaths, Source};
use crate::model::{AssignmentId, PrincipalId, RoleRef, ScopeId};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// A string as JSON: quoted and escaped by serde_json.
fn quoted(s: &str) -> Box<str> {
    serde_json::to_string(s)
        .expect("a string serializes")
        .into_boxed_str()
}

/// What the rows name, each as JSON once.
pub(super) struct RowWriter<'a> {
    a: &'a Analysis,
    places: &'a Places<'a>,
    /// Every principal's name as JSON, by principal id, in one buffer: a `Box<str>` apiece
    /// was 220,000 allocations at Azure's limits, held through the rows, and the command's
    /// peak is lower by 5-12 MB this way (median of 8 interleaved runs, 379,382 to 367,434
    /// KiB).
    principals: Spelled,
    /// The scope paths of [`Places`] that JSON must escape, as JSON; the rest (all but a
    /// rare few) are written between quotes as they are, not kept twice (30 MB at Azure's
    /// limits).
    escaped_scopes: FxHashMap<u32, Box<str>>,
    /// Every file's path as shown, as JSON, then `,"line":`, by file id.
    files: Vec<Box<str>>,
    /// `false,"role":…,"roleId":…,"scope":` of every role (an active row's `eligible`
    /// value, then the role), built-in roles in catalogue order then custom roles by id (see
    /// [`RowWriter::role`]), and where the role's name as JSON ends in it. A row is a handful
    /// of pieces copied, each a call to memcpy: pieces that always follow one another are
    /// kept as one.
    roles: Vec<(Box<str>, usize)>,
}

/// The start of [`RowWriter::roles`]' pieces: an active row's `eligible` value.
const ACTIVE: &str = "false,";
/// The end of [`RowWriter::files`]' pieces.
const LINE: &str = ",\"line\":";

/// The pieces of a row this writer writes, each already JSON; `None` for the rows it leaves
/// to serde_json.
struct Pieces<'w> {
    /// `false,"role":…,"roleId":…,"scope":`
    role: &'w str,
    /// As JSON if `scope_is_json`, else a path that needs only its quotes.
    scope: &'w [u8],
    scope_is_json: bool,
    /// The file's path as JSON, then `,"line":`.
    file: &'w str,
    line: u32,
}

impl<'a> RowWriter<'a> {
    pub(super) fn new(a: &'a Analysis, places: &'a Places<'a>) -> Self {
        let t = &a.tenant;
        let principals = Spelled::in_runs(t.principals.len(), 1 << 12, |i, json| {
            let name = &t.principals[i].name.value;
            if needs_escaping(name) {
                json.push_str(&quoted(name));
            } else {
                json.push('"');
                json.push_str(name);
                json.push('"');
            }
        });
        let escaped_scopes = (0..places.scopes.len() as u32)
            .into_par_iter()
            .map(|i| (i, places.scopes.get(ScopeId(i))))
            .filter(|(_, s)| needs_escaping(s))
            .map(|(i, s)| (i, quoted(s)))
            .collect();
        let files = (places.files.iter())
            .map(|f| format!("{}{LINE}", quoted(f)).into_boxed_str())
            .collect();
        let builtins = crate::builtin::roles().iter().map(RoleRef::BuiltIn);
        let customs =
            (0..t.custom_roles.len()).map(|i| RoleRef::Custom(crate::model::RoleId(i as u32)));
        let roles = builtins
            .chain(customs)
            .map(|role| {
                let id = match role {
                    RoleRef::BuiltIn(r) => Some(r.id),
                    RoleRef::Custom(id) => t.custom_role(id).id.as_ref().map(|i| i.as_str()),
                };
                let id = id.map_or_else(|| "null".into(), quoted);
                let name = quoted(t.role_name(role));
                let fragment = format!("{ACTIVE}\"role\":{name},\"roleId\":{id},\"scope\":");
                let name_end = ACTIVE.len() + "\"role\":".len() + name.len();
                (fragment.into_boxed_str(), name_end)
            })
            .collect();
        RowWriter {
            a,
            places,
            principals,
            escaped_scopes,
            files,
            roles,
        }
    }

    /// A role's piece in [`RowWriter::roles`], and where its name ends in it.
    fn role(&self, role: RoleRef) -> Option<&(Box<str>, usize)> {
        let i = match role {
            RoleRef::BuiltIn(r) => crate::builtin::role_index(r)?,
            RoleRef::Custom(id) => crate::builtin::roles().len() + id.index(),
        };
        self.roles.get(i)
    }

    /// Appends a principal's name as JSON.
    fn principal(&self, p: PrincipalId, buf: &mut Vec<u8>) {
        buf.extend_from_slice(self.principals.bytes(p.index()));
    }

    /// The pieces of a grant's row, if it is one this writer writes: an assignment's, without
    /// conditions (a co-administrator's or a conditional one, both rare, go to serde_json).
    fn pieces(
        &self,
        source: Source,
        role: RoleRef,
        scope: ScopeId,
        conditional: bool,
    ) -> Option<Pieces<'_>> {
        // Whether it is conditional comes with the grant: reading the model's assignment for
        // it was most of this function's time, a cache miss a row.
        let Source::Assignment(id) = source else {
            return None;
        };
        if conditional {
            return None;
        }
        let (scope, scope_is_json) = self.scope(scope)?;
        let (file, line) = self.place(id)?;
        Some(Pieces {
            role: &self.role(role)?.0,
            scope,
            scope_is_json,
            file,
            line,
        })
    }

    /// A scope's path as JSON if the second is true, else a path that needs only its quotes;
    /// `None` for a scope no grant is made at (not in [`Places`]).
    fn scope(&self, scope: ScopeId) -> Option<(&[u8], bool)> {
        let path = self.places.scopes.bytes(scope);
        match self.escaped_scopes.get(&scope.0) {
            Some(json) => Some((json.as_bytes(), true)),
            None => (!path.is_empty()).then_some((path, false)),
        }
    }

    /// Where an assignment is written: its file's path as JSON then `,"line":`, and its line.
    fn place(&self, id: AssignmentId) -> Option<(&str, u32)> {
        let &(file, line) = self.places.assignments.get(id.index())?;
        Some((self.files.get(file as usize)?, line))
    }

    /// Appends an assignment the report flags, with `reason` already JSON, as serde_json
    /// writes [`FlaggedJson`]: `{"principal":…,"role":…,"scope":…,"reason":…,"file":…,
    /// "line":…}`. Hundreds of thousands at Azure's limits, each a handful of `String`s and a
    /// scope path spelled again when made as a `FlaggedJson`.
    pub(super) fn flagged(
        &self,
        id: AssignmentId,
        reason: &str,
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let ra = &self.a.tenant.role_assignments[id.index()];
        let pieces = (self.role(ra.role))
            .zip(self.scope(ra.scope))
            .zip(self.place(id));
        let Some((((role, name_end), (scope, scope_is_json)), (file, line))) = pieces else {
            return serde_json::to_writer(buf, &assignment_json(self.a, self.places, id, reason));
        };
        buf.extend_from_slice(b"{\"principal\":");
        self.principal(ra.principal, buf);
        buf.extend_from_slice(b",\"role\":");
        buf.extend_from_slice(&role.as_bytes()[ACTIVE.len() + "\"role\":".len()..*name_end]);
        buf.extend_from_slice(b",\"scope\":");
        quote_unless_json(scope, scope_is_json, buf);
        buf.extend_from_slice(b",\"reason\":");
        buf.extend_from_slice(reason.as_bytes());
        buf.extend_from_slice(b",\"file\":");
        buf.extend_from_slice(file.as_bytes());
        buf.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
        buf.push(b'}');
        Ok(())
    }

    /// `{"principal":…,"kind":…,"guest":…,"eligible":`
    fn head(&self, p: PrincipalId, buf: &mut Vec<u8>) {
        let principal = self.a.tenant.principal(p);
        buf.extend_from_slice(b"{\"principal\":");
        self.principal(p, buf);
        for piece in [
            ",\"kind\":\"",
            principal.kind.noun(),
            "\",\"guest\":",
            bool(principal.guest),
            ",\"eligible\":",
        ] {
            buf.extend_from_slice(piece.as_bytes());
        }
    }

    /// `,"via":"assignment","assignedTo":…,"path":[…],"conditions":[],"file":`, for the
    /// grants through one membership.
    fn via(&self, path: &[PrincipalId], buf: &mut Vec<u8>) {
        buf.extend_from_slice(b",\"via\":\"assignment\",\"assignedTo\":");
        match path.last() {
            Some(p) => self.principal(*p, buf),
            None => buf.extend_from_slice(b"\"\""),
        }
        buf.extend_from_slice(b",\"path\":");
        self.names(path, buf);
        buf.extend_from_slice(b",\"conditions\":[],\"file\":");
    }

    /// A JSON array of principals' names.
    pub(super) fn names(&self, principals: &[PrincipalId], buf: &mut Vec<u8>) {
        buf.push(b'[');
        for (k, p) in principals.iter().enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            self.principal(*p, buf);
        }
        buf.push(b']');
    }

    /// The rest of a row after its head, `via` written by `via`.
    fn body(pieces: &Pieces, eligible: bool, via: impl FnOnce(&mut Vec<u8>), buf: &mut Vec<u8>) {
        match eligible {
            false => buf.extend_from_slice(pieces.role.as_bytes()),
            true => {
                buf.extend_from_slice(b"true,");
                buf.extend_from_slice(&pieces.role.as_bytes()[ACTIVE.len()..]);
            }
        }
        quote_unless_json(pieces.scope, pieces.scope_is_json, buf);
        via(buf);
        buf.extend_from_slice(pieces.file.as_bytes());
        buf.extend_from_slice(itoa::Buffer::new().format(pieces.line).as_bytes());
        buf.push(b'}');
    }

    /// Appends one row's JSON object to `buf`.
    pub(super) fn write(&self, row: &Row, buf: &mut Vec<u8>) -> serde_json::Result<()> {
        let g = &row.grant;
        let pieces = self.pieces(g.source, g.role, g.scope, g.conditional());
        let Some(pieces) = pieces else {
            let json: RowJson = row_json(self.a, row, self.places);
            return serde_json::to_writer(buf, &json);
        };
        self.head(row.principal, buf);
        Self::body(&pieces, row.eligible, |buf| self.via(&g.path, buf), buf);
        Ok(())
    }

    /// Appends one privileged row's JSON object to `buf`, as [`RowWriter::write`] writes
    /// [`AccessReport::row`] of it, without making the row's grant: that read the model's
    /// assignment again for its conditions and shared the path by reference count, on each
    /// of 540,000 rows at Azure's limits.
    pub(super) fn write_privileged(
        &self,
        report: &AccessReport,
        row: &PrivilegedRow,
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let reach = report.reach_of(row);
        let pieces = self.pieces(reach.source, reach.role, reach.scope, reach.conditional);
        let Some(pieces) = pieces else {
            return self.write(&report.row(row), buf);
        };
        self.head(row.principal, buf);
        Self::body(&pieces, false, |buf| self.via(&row.path, buf), buf);
        Ok(())
    }

    /// Appends every row of one person, each after `separator`. Made here rather than as
    /// [`Row`]s: the person's head and each membership's `via` are written once and copied
    /// into each row, a few pieces a row rather than two dozen (3.7 million rows, 2 GB, at
    /// Azure's limits).
    pub(super) fn write_person(
        &self,
        report: &AccessReport,
        p: PrincipalId,
        separator: &[u8],
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        SCRATCH.with_borrow_mut(|scratch| self.write_person_in(report, p, separator, scratch, buf))
    }

    fn write_person_in(
        &self,
        report: &AccessReport,
        p: PrincipalId,
        separator: &[u8],
        scratch: &mut PersonScratch,
        buf: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        let memberships = report.access().memberships(p);
        let PersonScratch {
            reach,
            reaches,
            text,
            vias,
        } = scratch;
        report.reaches_into(&memberships, reach, reaches);
        if reaches.is_empty() {
            return Ok(());
        }
        // The separator and the person's head, one piece copied into each row, then each
        // membership's `via` as first needed (most memberships hold no role), all in one
        // buffer: a `Vec` each, grown from empty, was a third of the time the report spent
        // allocating (perf, at Azure's limits).
        text.clear();
        text.extend_from_slice(separator);
        self.head(p, text);
        let head = 0..text.len();
        vias.clear();
        vias.resize(memberships.len(), None);
        // The first byte of every row's scope path, and every row's file and line, read
        // before any row is written: both are scattered (the paths over tens of MB, the
        // places by assignment id), perf showed most of the copying stalled on the first load
        // of a piece, and misses asked for together can overlap. Measured on limits: paths
        // read ahead, the rows' phase 0.99 to 0.88 s at best of 6 runs (when the rows' pieces
        // were all made first for it); places too, 1.15 to 0.96 s median of 8 interleaved
        // runs (2.12 to 1.80 s of CPU).
        let touched = (reaches.iter()).fold(0u8, |x, r| {
            let place = match r.source {
                Source::Assignment(id) => self.places.assignments.get(id.index()),
                Source::CoAdministrator(_) => None,
            };
            let path = self.places.scopes.bytes(r.scope).first();
            x ^ place.map_or(0, |&(file, _)| file as u8) ^ path.copied().unwrap_or_default()
        });
        std::hint::black_box(touched);
        // Made only for the rare rows serde_json writes.
        let mut paths = None;
        for reach in reaches.iter().copied() {
            let Some(pieces) =
                self.pieces(reach.source, reach.role, reach.scope, reach.conditional)
            else {
                buf.extend_from_slice(separator);
                let paths = paths.get_or_insert_with(|| SharedPaths::new(&memberships));
                let row = Row {
                    principal: p,
                    grant: report.access().grant(reach, paths.of(reach.through)),
                    eligible: reach.eligible,
                };
                let json: RowJson = row_json(self.a, &row, self.places);
                serde_json::to_writer(&mut *buf, &json)?;
                continue;
            };
            let via = vias[reach.through].get_or_insert_with(|| {
                let start = text.len();
                self.via(&memberships[reach.through].1, text);
                start..text.len()
            });
            buf.extend_from_slice(&text[head.clone()]);
            Self::body(
                &pieces,
                reach.eligible,
                |buf| buf.extend_from_slice(&text[via.clone()]),
                buf,
            );
        }
        Ok(())
    }
}

/// The lists [`RowWriter::write_person`] works in, kept by each worker from one person to the
/// next. Made for each person (six lists, one of them sized by the person's rows), they were
/// made and dropped 100,000 times at Azure's limits, and freed chunks scattered over the heap
/// were touched again: with them kept, the rows' phase adds 24 MB to RSS rather than 31, and
/// the command's peak is 431,160-431,908 KiB rather than 437,576-438,332 (four interleaved
/// runs each).
#[derive(Default)]
struct PersonScratch {
    reach: ReachScratch,
    /// The person's reaches, in the order of their rows.
    reaches: Vec<Reach>,
    /// The separator and the person's head, then each membership's `via` as first needed.
    text: Vec<u8>,
    /// Where each membership's `via` is in `text`, once written.
    vias: Vec<Option<std::ops::Range<usize>>>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<PersonScratch> = std::cell::RefCell::default();
}

/// Appends `s` as it is if it is JSON already, else between quotes.
fn quote_unless_json(s: &[u8], is_json: bool, buf: &mut Vec<u8>) {
    if is_json {
        buf.extend_from_slice(s);
    } else {
        buf.push(b'"');
        buf.extend_from_slice(s);
        buf.push(b'"');
    }
}

/// Whether JSON must escape a string: it holds a control character, a quote or a backslash.
/// Any other string is JSON between quotes as it is, as serde_json writes it.
fn needs_escaping(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

fn bool(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Writes the items of `lists`, one list after another, to `out` in order, each as `fill`
/// appends it to a buffer, in parallel: a run of up to `per_task` items per task (a run never
/// spans two lists), a batch of runs at a time, each batch written out while the next one is
/// made. `fill` begins each item with a comma, which the first item written drops.
///
/// At Azure's limits `canopy access report` writes 2.3 GB this way, and three things keep both
/// cores busy (measured there, with the command as a whole):
/// - Batches are made of runs from every list, not list by list: the privileged section's
///   lists come in runs of a thousand rows, and each had been a batch of two tasks of its own.
///   That section took 0.19-0.22 s; it takes 0.12-0.15 s.
/// - A batch is many small runs, not a few large ones: a batch ends when its last run does,
///   and one core waited for the other at the end of each. With 8 runs of 8 people a batch
///   (and the privileged lists batched apart), the command kept 1.81-1.84 cores busy on
///   average; with 32 runs of 4, 1.88-1.90.
/// - Written output goes to `out` on this thread while the pool makes the next batch. Into a
///   file (the kernel copies 2.3 GB), the command took 6.8-7.7 s with the pool waiting on each
///   write, and takes 5.6-6.3 s.
///
/// The batch's buffers are kept and refilled: fresh ones for each batch cost a page fault per
/// 4 KiB of output, a seventh of the run. A buffer that grew past [`KEPT`] for a run of a few
/// people with thousands of rows is given back once written: kept, 64 buffers each holding the
/// largest run they had held made the report's peak, 80 MB over what it held before its rows.
pub(super) fn write_in_order<'i, T: Sync + 'i>(
    lists: impl IntoIterator<Item = &'i [T]>,
    per_task: usize,
    out: &mut dyn std::io::Write,
    fill: impl Fn(&T, &mut Vec<u8>) -> serde_json::Result<()> + Sync,
) -> Result<(), super::Usage> {
    const TASKS_PER_BATCH: usize = 32;
    let mut runs = (lists.into_iter()).flat_map(|items| items.chunks(per_task.max(1)));
    let mut batch: Vec<&[T]> = Vec::with_capacity(TASKS_PER_BATCH);
    // The batch being made, and the one before it, being written meanwhile.
    let (mut making, mut made) = (Vec::<Vec<u8>>::new(), Vec::<Vec<u8>>::new());
    let mut made_runs = 0;
    let mut first = true;
    loop {
        batch.clear();
        batch.extend(runs.by_ref().take(TASKS_PER_BATCH));
        if making.len() < batch.len() {
            making.resize_with(batch.len(), Vec::new);
        }
        let mut filled = Ok(());
        let mut written = Ok(());
        // In place, so that `out` (often a locked stdout, which may not cross threads) is
        // written on this thread, which then helps make the batch.
        rayon::in_place_scope(|scope| {
            let (making, batch, fill, filled) = (&mut making, &batch, &fill, &mut filled);
            scope.spawn(move |_| {
                *filled = (making[..batch.len()].par_iter_mut())
                    .zip(batch.par_iter())
                    .with_max_len(1)
                    .try_for_each(|(buf, run)| {
                        buf.clear();
                        run.iter().try_for_each(|item| fill(item, buf))
                    });
            });
            written = write_parts(&mut made[..made_runs], out, &mut first);
        });
        filled.map_err(super::json_error)?;
        written?;
        if batch.is_empty() {
            return Ok(());
        }
        std::mem::swap(&mut making, &mut made);
        made_runs = batch.len();
    }
}

/// The most room a buffer of [`write_in_order`] keeps once written: a run of four people or
/// 128 privileged rows is about 80 KB at Azure's limits.
const KEPT: usize = 1 << 18;

/// Writes made runs in order, dropping the first item's comma if nothing was written yet.
fn write_parts(
    parts: &mut [Vec<u8>],
    out: &mut dyn std::io::Write,
    first: &mut bool,
) -> Result<(), super::Usage> {
    for part in parts {
        let bytes = match part.split_first() {
            Some((b',', rest)) if *first => rest,
            _ => &part[..],
        };
        *first &= bytes.is_empty();
        out.write_all(bytes)?;
        if part.capacity() > KEPT {
            *part = Vec::new();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Access;

    /// Items written in parallel come out in order, comma-separated, whatever the runs and
    /// batches, and items that write nothing (people without access) leave no stray comma.
    #[test]
    fn items_written_in_order_drop_only_the_first_comma() {
        let fill = |n: &u32, buf: &mut Vec<u8>| {
            if !n.is_multiple_of(3) {
                buf.extend_from_slice(format!(",{n}").as_bytes());
            }
            Ok(())
        };
        let items: Vec<u32> = (0..5_000).collect();
        let expected: Vec<String> = items
            .iter()
            .filter(|n| !n.is_multiple_of(3))
            .map(u32::to_string)
            .collect();
        for per_task in [1, 2, 7, 64] {
            let mut out = Vec::new();
            assert!(write_in_order([&items[..]], per_task, &mut out, fill).is_ok());
            assert_eq!(String::from_utf8(out).unwrap(), expected.join(","));
            // The same items given as several lists, the first of them writing nothing.
            let lists = [
                &items[..1],
                &items[1..2],
                &items[2..700],
                &[],
                &items[700..],
            ];
            let mut out = Vec::new();
            assert!(write_in_order(lists, per_task, &mut out, fill).is_ok());
            assert_eq!(String::from_utf8(out).unwrap(), expected.join(","));
        }
        let mut out = Vec::new();
        assert!(write_in_order([&[0u32, 3, 6][..]], 1, &mut out, fill).is_ok());
        assert!(out.is_empty(), "nothing written, nothing out");
    }

    /// Every row of the tree, written by the writer (row by row, and person by person) and by
    /// serde_json, must be the same bytes.
    fn rows_agree(a: &Analysis) -> usize {
        let access = Access::new(&a.tenant, jiff::Timestamp::UNIX_EPOCH);
        let report = AccessReport::build(&access);
        let places = Places::new(a, report.scope_paths());
        let writer = RowWriter::new(a, &places);
        let mut rows = 0;
        for &p in report.people() {
            let mut serde = Vec::new();
            for row in report.rows_of(p) {
                rows += 1;
                serde.extend_from_slice(b",\n");
                serde_json::to_writer(&mut serde, &row_json(a, &row, &places)).unwrap();
                let mut buf = Vec::new();
                writer.write(&row, &mut buf).unwrap();
                assert_eq!(
                    String::from_utf8(buf).unwrap(),
                    String::from_utf8(serde_json::to_vec(&row_json(a, &row, &places)).unwrap())
                        .unwrap()
                );
            }
            let mut person = Vec::new();
            writer
                .write_person(&report, p, b",\n", &mut person)
                .unwrap();
            assert_eq!(
                String::from_utf8(person).unwrap(),
                String::from_utf8(serde).unwrap()
            );
        }
        // The privileged rows, written without their grants.
        let privileged = &report.privileged;
        let sections = [
            &privileged.can_assign_roles,
            &privileged.can_assign_policy,
            &privileged.external_writers,
        ];
        for row in sections.into_iter().flat_map(|s| s.iter()) {
            let mut buf = Vec::new();
            writer.write_privileged(&report, row, &mut buf).unwrap();
            let json = serde_json::to_vec(&row_json(a, &report.row(row), &places)).unwrap();
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                String::from_utf8(json).unwrap()
            );
        }
        // The flagged assignments too.
        let direct = (report.direct_user_assignments.iter()).map(|id| (*id, "direct"));
        let ineffective = (report.ineffective.iter()).map(|f| (f.assignment, f.reason.as_str()));
        for (id, reason) in direct.chain(ineffective) {
            let mut buf = Vec::new();
            writer.flagged(id, &quoted(reason), &mut buf).unwrap();
            let json = serde_json::to_vec(&assignment_json(a, &places, id, reason)).unwrap();
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                String::from_utf8(json).unwrap()
            );
        }
        rows
    }

    #[test]
    fn rows_written_from_pieces_are_serde_json_s_rows() {
        let contoso = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");
        let a = crate::load_with(contoso, &crate::Options::default()).unwrap();
        assert!(rows_agree(&a) > 10);

        // Names JSON must escape, nested groups, a co-administrator, a condition, a custom
        // role without an id, an eligible assignment.
        let tree = r#"kind: ManagementGroup
name: root
---
kind: User
name: "o\"hara\\x@contoso.com"
---
kind: User
name: "Zoë 東京 \u0001"
---
kind: Group
name: "team \"a\""
members: ["o\"hara\\x@contoso.com", inner]
---
kind: Group
name: inner
members: ["Zoë 東京 \u0001"]
---
kind: Subscription
name: "s\\1"
coAdministrators: ["Zoë 東京 \u0001"]
resourceGroups:
  - name: "rg \"q\""
---
kind: RoleDefinition
name: "Ops \"tier\" 1"
actions: ["Microsoft.Compute/*"]
assignableScopes: [/]
---
kind: RoleAssignment
principal: "team \"a\""
role: Reader
scope: "/subscriptions/s\\1/resourceGroups/rg \"q\""
---
kind: RoleAssignment
principal: inner
role: "Ops \"tier\" 1"
scope: /providers/Microsoft.Management/managementGroups/root
---
kind: RoleAssignment
principal: "o\"hara\\x@contoso.com"
role: Storage Blob Data Reader
scope: "/subscriptions/s\\1"
condition: "@Resource[x] StringEquals 'y'"
conditionVersion: "2.0"
---
kind: RoleAssignment
principal: "Zoë 東京 \u0001"
role: Owner
scope: "/subscriptions/s\\1"
eligible: true
---
kind: User
name: "gone \"x\""
enabled: false
---
kind: RoleAssignment
principal: "gone \"x\""
role: Reader
scope: "/subscriptions/s\\1/resourceGroups/rg \"q\""
"#;
        let entries = vec![crate::Entry {
            name: "t.yaml".into(),
            bytes: tree.as_bytes().to_vec(),
        }];
        let a = crate::load_entries("tree", entries, &crate::Options::default()).unwrap();
        let resolved = a.tenant.role_assignments.len();
        assert_eq!(resolved, 5, "{:#?}", a.findings);
        let access = Access::new(&a.tenant, jiff::Timestamp::UNIX_EPOCH);
        let report = AccessReport::build(&access);
        assert_eq!(
            report.ineffective.len(),
            1,
            "the disabled user's assignment"
        );
        assert_eq!(report.direct_user_assignments.len(), 3);
        assert!(rows_agree(&a) >= 6);
    }
}

//! An import's steps: the file is read in ranges from where the last step stopped; each row is read as the
//! API's create or update body and written through the record core as the user who started the import.
//! A row names the record it updates by `id`, else by what an earlier import of the same file made of it,
//! else by its email; otherwise it makes a new record. Rows are written many to a transaction; when one
//! of them fails, each is written alone, so only the rows at fault are refused. Refused rows go into the
//! errors file with why.

use super::{CSV, Running};
use crm_core::{Changed, CoreError, Prepared};
use crm_domain::clock::Timestamp;
use crm_domain::customer::{Customer, CustomerPatch, NewCustomer};
use crm_domain::events::Via;
use crm_domain::import::{self, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, Mapping, NewImport, Row};
use crm_domain::job::FileSeen;
use crm_domain::lead::{Lead, LeadPatch, NewLead};
use crm_domain::record::{NewRecord, RecordPatch};
use crm_domain::validation::{FieldError, Invalid};
use crm_domain::{Actor, Record, RecordId, RecordKind};
use crm_store::{Changes, StoreError, Table};
use futures_util::StreamExt;
use lambda_runtime::Error;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// How much of the file a round reads, and at most how many rows of it: a row must fit in a round.
const CHUNK_BYTES: u64 = 256 * 1024;
const ROWS_PER_CHUNK: usize = 500;
/// Rows looked up (their record by id, or by email) at once.
const LOOKUPS_AT_ONCE: usize = 16;
/// Actions of one transaction of rows: one below DynamoDB's limit of 100 leaves room for the plan's count.
const ACTIONS_PER_WRITE: usize = crm_store::MAX_TRANSACTION_ACTIONS - 1;

/// A row of the file: its number as a spreadsheet shows it, and its cells.
struct Line {
    number: u64,
    cells: Vec<String>,
}

/// What a row will do.
enum Target<R> {
    Create,
    Update(R),
    Refused(Invalid),
}

/// A row's writes, ready to commit with others.
struct Ready<'t> {
    line: Line,
    changes: Changes<'t>,
    /// The record made (its id and email), for a create.
    made: Option<(String, Option<String>)>,
}

impl Running<'_> {
    /// Reads the next range of the file and imports its rows.
    pub(super) async fn import_chunk(&mut self) -> Result<(), Error> {
        let asked = self.job.import.clone().ok_or("an import job without its import")?;
        let files = self.files()?.clone();
        let key = crm_files::upload_key(self.tenant, self.job.requested_by, asked.upload_id());
        let file = match self.at.file.clone() {
            Some(file) => file,
            None => {
                let (bytes, etag) =
                    files.head(&key).await?.ok_or("the uploaded file is gone (uploads are kept for 7 days)")?;
                if bytes > MAX_IMPORT_BYTES {
                    return Err(
                        format!("the file has {bytes} bytes; an import reads at most {MAX_IMPORT_BYTES}").into()
                    );
                }
                self.at.file = Some(FileSeen { bytes, etag });
                self.at.file.clone().ok_or("no file")?
            }
        };
        if self.at.offset < file.bytes {
            let chunk = files.get_range(&key, &file.etag, self.at.offset, CHUNK_BYTES).await?;
            let last = self.at.offset + chunk.len() as u64 >= file.bytes;
            let bom = if self.at.offset == 0 && chunk.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            let (records, consumed) = complete_records(&chunk[bom..], last)?;
            if records.is_empty() && !last {
                let row = self.at.processed + 2;
                return Err(format!(
                    "row {row} is longer than {} KiB, which an import does not read",
                    CHUNK_BYTES / 1024
                )
                .into());
            }
            self.at.offset += (bom + consumed) as u64;
            let mut records = records.into_iter();
            if self.at.header.is_empty() {
                self.at.header = records.next().ok_or("the file is empty: it needs a header row")?;
            }
            let mapping = Mapping::new(asked.kind(), &self.at.header, asked.columns())?;
            let mut lines = Vec::new();
            for cells in records {
                self.at.processed += 1;
                lines.push(Line { number: self.at.processed + 1, cells });
            }
            self.import_lines(&asked, &file, &mapping, lines).await?;
        }
        if self.at.offset >= file.bytes {
            if self.at.header.is_empty() {
                return Err("the file is empty: it needs a header row".into());
            }
            self.at.stage += 1;
        }
        Ok(())
    }

    /// The user who started the import, as the policy sees them now.
    async fn importer(&mut self) -> Result<Actor, Error> {
        if let Some(actor) = self.importer {
            return Ok(actor);
        }
        let user = self.job.requested_by;
        let stored = self.workers.table.user(self.tenant, user).await?.filter(|s| s.user.is_active());
        let stored = stored.ok_or("the user who started the import is no longer active")?;
        let actor = Actor { tenant: self.tenant, user, role: stored.user.role };
        self.importer = Some(actor);
        Ok(actor)
    }

    async fn import_lines(
        &mut self,
        asked: &NewImport,
        file: &FileSeen,
        mapping: &Mapping,
        lines: Vec<Line>,
    ) -> Result<(), Error> {
        match asked.kind() {
            RecordKind::Customer => {
                self.import_as::<Customer, NewCustomer, CustomerPatch>(asked, file, mapping, lines).await
            }
            _ => self.import_as::<Lead, NewLead, LeadPatch>(asked, file, mapping, lines).await,
        }
    }

    async fn import_as<R, N, P>(
        &mut self,
        asked: &NewImport,
        file: &FileSeen,
        mapping: &Mapping,
        lines: Vec<Line>,
    ) -> Result<(), Error>
    where
        R: Record,
        N: NewRecord<R> + DeserializeOwned,
        P: RecordPatch<R> + DeserializeOwned,
    {
        let mut read = Vec::new();
        for line in lines {
            if line.number - 1 > MAX_IMPORT_ROWS {
                let message = format!("an import takes at most {MAX_IMPORT_ROWS} rows");
                self.refuse(&line, &Invalid(vec![FieldError::new("row", message)]))?;
                continue;
            }
            match mapping.row(&line.cells) {
                Ok(row) if row.id.is_none() && !row.has_fields() => {}
                Ok(row) => read.push((line, row)),
                Err(invalid) => self.refuse(&line, &invalid)?,
            }
        }
        let unnamed: Vec<u64> = read.iter().filter(|(_, row)| row.id.is_none()).map(|(line, _)| line.number).collect();
        let made_before = self.workers.table.imported_rows(self.tenant, R::KIND, &file.etag, &unnamed).await?;
        // Rows naming the same record go in separate passes, each seeing what the one before wrote.
        let mut pass = Vec::new();
        let mut named = HashSet::new();
        for (line, row) in read {
            let name = row.id.clone().or_else(|| row.email.clone().filter(|_| asked.match_email()));
            if name.as_ref().is_some_and(|name| named.contains(name)) {
                self.import_pass::<R, N, P>(asked, file, &made_before, std::mem::take(&mut pass)).await?;
                named.clear();
            }
            named.extend(name);
            pass.push((line, row));
        }
        self.import_pass::<R, N, P>(asked, file, &made_before, pass).await
    }

    async fn import_pass<R, N, P>(
        &mut self,
        asked: &NewImport,
        file: &FileSeen,
        made_before: &HashMap<u64, String>,
        pass: Vec<(Line, Row)>,
    ) -> Result<(), Error>
    where
        R: Record,
        N: NewRecord<R> + DeserializeOwned,
        P: RecordPatch<R> + DeserializeOwned,
    {
        let actor = self.importer().await?;
        let workers = self.workers;
        let table = &workers.table;
        let made_here = &self.made_here;
        let mut lookups = Vec::new();
        for (line, row) in &pass {
            let earlier = made_before.get(&line.number);
            let by_email = row.email.as_ref().filter(|_| asked.match_email());
            lookups.push(target::<R>(table, &actor, row, earlier, by_email, made_here));
        }
        let targets: Vec<Result<Target<R>, StoreError>> =
            futures_util::stream::iter(lookups).buffered(LOOKUPS_AT_ONCE).collect().await;
        let mut batch: Vec<Ready<'_>> = Vec::new();
        let mut actions = 0;
        for ((line, row), target) in pass.into_iter().zip(targets) {
            let now = Timestamp::now();
            let prepared = match target? {
                Target::Refused(invalid) => Err(invalid),
                Target::Create if self.plan_full.is_some() => {
                    let reached = self.plan_full.map(|reached| reached.to_string()).unwrap_or_default();
                    Err(Invalid(vec![FieldError::new("row", reached)]))
                }
                Target::Create => match row.body::<N>() {
                    Err(invalid) => Err(invalid),
                    Ok(input) => match crm_core::create::<R, N>(table, &actor, input, now).await {
                        Ok(Prepared { value, mut changes }) => {
                            let id = value.id().to_string();
                            changes.note_imported_row(R::KIND, &file.etag, line.number, &id, now.unix_seconds())?;
                            Ok(Some((changes, Some((id, value.email().map(str::to_owned))))))
                        }
                        Err(error) => Err(refusal(error, "owner_id")?),
                    },
                },
                Target::Update(before) => match row.body::<P>() {
                    Err(invalid) => Err(invalid),
                    Ok(patch) => match crm_core::update(table, &actor, before, None, patch, now) {
                        Ok(Changed::Unchanged(_)) => Ok(None),
                        Ok(Changed::Prepared(prepared)) => Ok(Some((prepared.changes, None))),
                        Err(error) => Err(refusal(error, if row.id.is_some() { "id" } else { "email" })?),
                    },
                },
            };
            match prepared {
                Err(invalid) => self.refuse(&line, &invalid)?,
                Ok(None) => self.at.tally.unchanged += 1,
                Ok(Some((mut changes, made))) => {
                    changes.via(Via::Import);
                    if actions + changes.actions() > ACTIONS_PER_WRITE {
                        self.write(table, std::mem::take(&mut batch)).await?;
                        actions = 0;
                    }
                    actions += changes.actions();
                    batch.push(Ready { line, changes, made });
                }
            }
        }
        self.write(table, batch).await
    }

    /// Commits rows together; when that fails, each alone, refusing those that fail.
    async fn write<'t>(&mut self, table: &'t Table, batch: Vec<Ready<'t>>) -> Result<(), Error> {
        if batch.len() > 1 {
            let mut together = table.changes(self.tenant);
            for ready in &batch {
                together.absorb(&ready.changes);
            }
            if together.commit().await.is_ok() {
                for ready in batch {
                    self.count(ready.made);
                }
                return Ok(());
            }
        }
        for Ready { line, changes, made } in batch {
            match changes.commit().await {
                Ok(()) => self.count(made),
                Err(StoreError::PlanLimit(reached)) => {
                    self.refuse(&line, &Invalid(vec![FieldError::new("row", reached.to_string())]))?;
                    self.plan_full = Some(reached);
                }
                Err(error) => {
                    let field = if made.is_some() { "owner_id" } else { "row" };
                    self.refuse(&line, &refusal(CoreError::Store(error), field)?)?;
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, made: Option<(String, Option<String>)>) {
        match made {
            Some((id, email)) => {
                self.at.tally.created += 1;
                if let Some(email) = email {
                    self.made_here.insert(email, id);
                }
            }
            None => self.at.tally.updated += 1,
        }
    }

    /// Adds a refused row to this step's part of the errors file.
    fn refuse(&mut self, line: &Line, invalid: &Invalid) -> Result<(), Error> {
        self.at.tally.failed += 1;
        let mut writer = csv::Writer::from_writer(&mut self.errors);
        writer.write_record(import::error_row(line.number, invalid, &line.cells))?;
        writer.flush()?;
        Ok(())
    }

    fn errors_key(&self, part: Option<u32>) -> String {
        let name = match part {
            Some(step) => format!("{}-errors.part-{step}", self.job.id),
            None => format!("{}-errors.csv", self.job.id),
        };
        crm_files::key(self.tenant, "imports", &name)
    }

    /// Saves the rows this step refused, for the last step to gather.
    pub(super) async fn keep_refused(&mut self) -> Result<(), Error> {
        if !self.errors.is_empty() {
            let part = std::mem::take(&mut self.errors);
            self.files()?.put(&self.errors_key(Some(self.at.step)), part, CSV).await?;
            self.at.error_steps.push(self.at.step);
        }
        Ok(())
    }

    /// The import's outcome, and its errors file gathered from every step's part.
    pub(super) async fn finish_import(&mut self) -> Result<serde_json::Value, Error> {
        let files = self.files()?.clone();
        let tally = self.at.tally.clone();
        let mut result = json!({
            "rows": self.at.processed,
            "created": tally.created,
            "updated": tally.updated,
            "unchanged": tally.unchanged,
            "failed": tally.failed,
        });
        if let (Some(asked), Some(_)) = (&self.job.import, &self.at.file) {
            let mapping = Mapping::new(asked.kind(), &self.at.header, asked.columns())?;
            result["ignored_columns"] = json!(mapping.ignored);
        }
        if tally.failed > 0 {
            let mut file = Vec::new();
            {
                let mut writer = csv::Writer::from_writer(&mut file);
                writer.write_record(import::error_header(&self.at.header))?;
                writer.flush()?;
            }
            for step in self.at.error_steps.clone() {
                file.extend(files.get(&self.errors_key(Some(step))).await?.ok_or("a step's refused rows are gone")?);
            }
            file.append(&mut self.errors);
            let key = self.errors_key(None);
            files.put(&key, file, CSV).await?;
            for step in self.at.error_steps.clone() {
                files.delete(&self.errors_key(Some(step))).await?;
            }
            result["file"] = json!(key);
        }
        Ok(result)
    }
}

/// What a row will do: update the record it names by id, or that an earlier import of the file made of it,
/// or that has its email; else make a new one.
async fn target<R: Record>(
    table: &Table,
    actor: &Actor,
    row: &Row,
    made_before: Option<&String>,
    email: Option<&String>,
    made_here: &HashMap<String, String>,
) -> Result<Target<R>, StoreError> {
    let refused = |field: &str, message: String| Target::Refused(Invalid(vec![FieldError::new(field, message)]));
    let visible = |record: &R| crm_domain::policy::view_record(actor, record.owner()).is_ok();
    if let Some(text) = &row.id {
        let found = match R::Id::parse(text) {
            Some(id) => table.record::<R>(actor.tenant, id).await?.filter(visible),
            None => None,
        };
        return Ok(match found {
            Some(record) => Target::Update(record),
            None => refused("id", format!("names no {} of this account", R::KIND.entity())),
        });
    }
    if let Some(id) = made_before.and_then(|id| R::Id::parse(id))
        && let Some(record) = table.record::<R>(actor.tenant, id).await?.filter(visible)
    {
        return Ok(Target::Update(record));
    }
    let Some(email) = email else { return Ok(Target::Create) };
    let ids = match made_here.get(email) {
        Some(id) => vec![id.clone()],
        None => table.records_with_email(actor.tenant, R::KIND, email, 2).await?,
    };
    match ids.as_slice() {
        [] => Ok(Target::Create),
        [id] => {
            let record = match R::Id::parse(id) {
                Some(id) => table.record::<R>(actor.tenant, id).await?,
                None => None,
            };
            Ok(match record {
                // A copy is a hint: the record may have changed its address since.
                Some(record) if record.email() != Some(email.as_str()) => Target::Create,
                Some(record) if visible(&record) => Target::Update(record),
                Some(_) => refused("email", format!("is the email of a {} you may not see", R::KIND.entity())),
                // Deleted a moment ago: its email copy went with it.
                None => Target::Create,
            })
        }
        _ => Ok(refused(
            "email",
            format!("several {} have this email; add an `id` column to say which", R::KIND.collection()),
        )),
    }
}

/// Why the core refused a row, as the row's errors; an error of the store itself fails the step instead.
fn refusal(error: CoreError, field: &str) -> Result<Invalid, Error> {
    let one = |field: &str, message: String| Ok(Invalid(vec![FieldError::new(field, message)]));
    match error {
        CoreError::Invalid(invalid) => Ok(invalid),
        CoreError::Denied(denied) => one(field, denied.to_string()),
        CoreError::NotFound => one(field, "names nothing this user may change".into()),
        merged @ CoreError::Merged { .. } => one(field, format!("names a record that is gone: {merged}")),
        CoreError::MissingReference { field, detail } => one(field, detail),
        CoreError::PreconditionFailed => one("row", "the record changed while the import ran".into()),
        CoreError::Conflict(detail) => one("row", detail),
        CoreError::Store(StoreError::PlanLimit(reached)) => one("row", reached.to_string()),
        CoreError::Store(StoreError::UnknownOwner) => one("owner_id", StoreError::UnknownOwner.to_string()),
        CoreError::Store(StoreError::VersionConflict) => {
            one("row", "the record changed while the import ran; import the row again".into())
        }
        CoreError::Store(StoreError::MissingReference(field)) => one(field, "names no record of this account".into()),
        CoreError::Store(other) => Err(other.into()),
    }
}

/// The whole records at the start of `chunk` (at most `ROWS_PER_CHUNK`), as text cells, and how many bytes
/// they take. A record that may go on past the chunk is left for the next round, unless the chunk is the
/// file's end.
fn complete_records(chunk: &[u8], last: bool) -> Result<(Vec<Vec<String>>, usize), Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(chunk);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut consumed) = (Vec::new(), 0);
    while records.len() < ROWS_PER_CHUNK {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(_) if !last => break,
            Err(error) => return Err(format!("the file is not CSV: {error}").into()),
        };
        let end = usize::try_from(reader.position().byte())?;
        if !more || (!last && end >= chunk.len()) {
            break;
        }
        records.push(record.iter().map(|cell| String::from_utf8_lossy(cell).into_owned()).collect());
        consumed = end;
    }
    if last && records.len() < ROWS_PER_CHUNK {
        consumed = chunk.len();
    }
    Ok((records, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_cut_by_the_chunk_waits_for_the_next() {
        let text = b"name,email\nAda,ada@x.io\n\"Bob\nSmith\",b@x.io\nCy,c";
        let (records, consumed) = complete_records(text, false).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2], ["Bob\nSmith", "b@x.io"]);
        assert_eq!(&text[consumed..], b"Cy,c");
        let (records, consumed) = complete_records(&text[consumed..], true).unwrap();
        assert_eq!((records, consumed), (vec![vec!["Cy".to_owned(), "c".to_owned()]], 4));
        // A record that ends exactly at the chunk's end may go on; it is read again with what follows.
        let (records, consumed) = complete_records(b"a,b\nc,d\n", false).unwrap();
        assert_eq!((records.len(), consumed), (1, 4));
    }
}

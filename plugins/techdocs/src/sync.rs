//! Syncing an entity's docs: where its source is (backstage.io/techdocs-ref), whether it
//! changed (ETags), the build, and the state kept beside the site.

use std::collections::BTreeMap;

use greenroom::{catalog, clock, code, files, log, url, Error, FileContent, Value};

use crate::search::{index_key, index_site, index_stored, unindex};
use crate::urls::{self, Url};
use crate::{annotation, config, entity_triplet, go_duration, go_json, go_quote, log_line, meta, round_ns, site, step_duration, Triplet};

/// Annotations TechDocs reads, as Backstage names them.
pub const ANN_REF: &str = "backstage.io/techdocs-ref";
pub const ANN_ENTITY: &str = "backstage.io/techdocs-entity";
pub const ANN_ENTITY_PATH: &str = "backstage.io/techdocs-entity-path";
pub const ANN_SOURCE_LOCATION: &str = "backstage.io/source-location";
pub const ANN_MANAGED_BY: &str = "backstage.io/managed-by-location";
pub const ANN_EDIT_URL: &str = "backstage.io/edit-url";

/// A failure, as the Go plugin's error chains read: the text (each step's words before
/// the host's "code: message") and the code of the host error it wraps, "" for none.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub code: String,
    pub text: String,
}

impl Failure {
    /// A failure with no host error in it.
    pub fn plain(text: impl Into<String>) -> Failure {
        Failure { code: String::new(), text: text.into() }
    }

    /// The failure with what was being done in front: "reading the docs of ...: <it>".
    pub fn wrap(self, step: String) -> Failure {
        Failure { code: self.code, text: format!("{}: {}", step, self.text) }
    }

    pub fn denied(&self) -> bool {
        self.code == code::CAPABILITY_DENIED
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure { text: e.to_string(), code: e.code }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// What the plugin keeps of one entity's builds, beside its site (state/<triplet>.json,
/// the Go plugin's format).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// The source's version that the site was built from.
    pub etag: String,
    /// The URL the tree was read from.
    pub source: String,
    pub built_at: i64,
    pub checked_at: i64,
    /// The last sync's failure; the last good build keeps serving.
    pub error: String,
    pub error_at: i64,
    pub warnings: Vec<String>,
    /// What the search index holds: the build's ETag and the entity's fields its
    /// documents carry (index_key); "" for nothing.
    pub indexed: String,
}

impl State {
    /// Reads a state as Go's json.Unmarshal into the struct: what does not decode is
    /// left empty.
    pub fn from_json(b: &[u8]) -> State {
        let v = match Value::parse(b) {
            Ok(v) => v,
            Err(_) => return State::default(),
        };
        let int = |k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
        State {
            etag: v.str_of("etag").into(),
            source: v.str_of("source").into(),
            built_at: int("builtAt"),
            checked_at: int("checkedAt"),
            error: v.str_of("error").into(),
            error_at: int("errorAt"),
            warnings: v.get("warnings").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default(),
            indexed: v.str_of("indexed").into(),
        }
    }

    /// The state as the Go plugin writes it (members in its order, empty ones left out).
    pub fn to_json(&self) -> String {
        let mut v = Value::object();
        for (k, s) in [("etag", &self.etag), ("source", &self.source)] {
            if !s.is_empty() {
                v.insert(k, s.as_str().into());
            }
        }
        for (k, n) in [("builtAt", self.built_at), ("checkedAt", self.checked_at)] {
            if n != 0 {
                v.insert(k, n.into());
            }
        }
        if !self.error.is_empty() {
            v.insert("error", self.error.as_str().into());
        }
        if self.error_at != 0 {
            v.insert("errorAt", self.error_at.into());
        }
        if !self.warnings.is_empty() {
            v.insert("warnings", self.warnings.clone().into());
        }
        if !self.indexed.is_empty() {
            v.insert("indexed", self.indexed.as_str().into());
        }
        go_json(&v)
    }
}

pub fn load_state(t: &Triplet) -> Result<State, Error> {
    Ok(files::read(&t.state_path())?.map(|b| State::from_json(&b)).unwrap_or_default())
}

pub fn save_state(t: &Triplet, st: &State) -> Result<(), Error> {
    files::write(vec![FileContent::new(&t.state_path(), st.to_json())], "").map(|_| ())
}

/// Follows backstage.io/techdocs-entity: the entity whose docs e shows.
pub fn docs_entity(e: &Value) -> Result<Value, Error> {
    let r = annotation(e, ANN_ENTITY).trim();
    if r.is_empty() {
        return Ok(e.clone());
    }
    let (kind, rest) = r.split_once(':').unwrap_or(("component", r));
    let (ns, name) = rest.split_once('/').unwrap_or((meta(e, "namespace"), rest));
    let t = Triplet::of(ns, kind, name);
    match catalog::get(&t.entity_ref())? {
        Some(other) => Ok(other),
        None => Err(Error::new(
            code::NOT_FOUND,
            format!("{} names {} in {}, which is not in the catalog (or you may not read it)", entity_triplet(e).entity_ref(), t.entity_ref(), ANN_ENTITY),
        )),
    }
}

/// Where an entity's docs are: what /metadata/entity calls locationMetadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    pub kind: String,
    pub target: String,
}

impl Location {
    pub fn to_value(&self) -> Value {
        Value::obj(vec![("type", self.kind.as_str().into()), ("target", self.target.as_str().into())])
    }
}

/// Resolves backstage.io/techdocs-ref to the URL of the docs tree: url:<URL> as it is,
/// dir:<path> relative to the entity's source location (or, without one, the directory
/// of the catalog file that holds it). A dir: path must stay inside that directory.
pub fn source(e: &Value) -> Result<Location, Error> {
    let t = entity_triplet(e);
    let tref = t.entity_ref();
    let r = annotation(e, ANN_REF).trim();
    let bad = |msg: String| Err(Error::new(code::INVALID_ARGUMENT, msg));
    if r.is_empty() {
        return Err(Error::new(code::NOT_FOUND, format!("{} has no {} annotation; add {}: dir:. to its catalog-info.yaml, with mkdocs.yml beside it", tref, ANN_REF, ANN_REF)));
    }
    let (typ, target) = match r.split_once(':') {
        Some(p) => p,
        None => return bad(format!("{}: {} {} is not dir:<path> or url:<URL>", tref, ANN_REF, go_quote(r))),
    };
    match typ {
        "url" => return Ok(Location { kind: "url".into(), target: target.into() }),
        "dir" => {}
        _ => return bad(format!("{}: {} {}: the type {} is not dir or url", tref, ANN_REF, go_quote(r), go_quote(typ))),
    }
    let (base, base_is_dir) = match annotation(e, ANN_SOURCE_LOCATION) {
        "" => (annotation(e, ANN_MANAGED_BY), false),
        b => (b, true),
    };
    let (btyp, btarget) = match base.split_once(':') {
        Some(p) => p,
        None => return bad(format!("{}: {} {} needs the entity's {} or {}, and it has neither", tref, ANN_REF, go_quote(r), ANN_SOURCE_LOCATION, ANN_MANAGED_BY)),
    };
    match btyp {
        "file" => {
            let dir = if base_is_dir { btarget.to_string() } else { urls::dir(btarget) };
            let joined = urls::join(&[&dir, target]);
            if joined != dir && !joined.starts_with(&format!("{}/", dir.trim_end_matches('/'))) {
                return bad(format!("{}: {} {} leads outside {}, the directory of the entity's catalog file; docs must be beside or below it", tref, ANN_REF, go_quote(r), dir));
            }
            Ok(Location { kind: "dir".into(), target: format!("file://{}", urls::escape_path(&joined)) })
        }
        "url" => {
            let mut u = match Url::parse(btarget) {
                Ok(u) => u,
                Err(err) => return bad(format!("{}: {} {} is not a URL: {}", tref, ANN_SOURCE_LOCATION, go_quote(btarget), err)),
            };
            if base_is_dir && !u.path.ends_with('/') {
                u.path.push('/');
                u.raw_path.push('/');
            }
            let rel = target.strip_prefix("./").unwrap_or(target);
            let rel = if rel == "." || rel.is_empty() { "./" } else { rel };
            let mut resolved = u.resolve_path(&urls::escape_path(rel));
            // A directory on GitHub is a tree, not a blob.
            resolved.raw_path = resolved.raw_path.replacen("/blob/", "/tree/", 1);
            let s = resolved.to_string_go();
            Ok(Location { kind: "url".into(), target: s.strip_suffix('/').unwrap_or(&s).to_string() })
        }
        _ => bad(format!("{}: {}: location type {} is not file or url", tref, ANN_REF, go_quote(btyp))),
    }
}

/// The edit link prefix for a source on GitHub (a tree URL becomes an edit URL of the
/// same branch and path).
pub fn edit_base(src: &str) -> String {
    let u = match Url::parse(src) {
        Ok(u) if u.host == "github.com" => u,
        _ => return String::new(),
    };
    let parts: Vec<&str> = u.path.trim_matches('/').splitn(4, '/').collect();
    if parts.len() < 4 || parts[2] != "tree" {
        return String::new();
    }
    let rest: Vec<&str> = parts[3].splitn(2, '/').collect();
    let mut p = format!("https://github.com/{}/{}/edit/{}/", parts[0], parts[1], rest[0]);
    if rest.len() == 2 && !rest[1].is_empty() {
        p.push_str(rest[1].trim_matches('/'));
        p.push('/');
    }
    p
}

/// What a sync did, for the SSE stream and the reader.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncResult {
    pub updated: bool,
    pub log: Vec<String>,
    pub err: Option<Failure>,
}

impl SyncResult {
    fn logf(&mut self, line: String) {
        self.log.push(line);
    }

    /// Whether the sync failed because the caller may not read the source.
    pub fn denied(&self) -> bool {
        self.err.as_ref().map_or(false, Failure::denied)
    }
}

/// A build error as the Go builder's Error() writes it: file:line: msg.
pub fn site_error_text(e: &site::Error) -> String {
    match (e.file.is_empty(), e.line) {
        (false, l) if l > 0 => format!("{}:{}: {}", e.file, l, e.msg),
        (false, _) => format!("{}: {}", e.file, e.msg),
        _ => e.msg.clone(),
    }
}

/// Records a failed sync: the result's error and, unless the caller may not read the
/// source (which says nothing about the source: the state is kept for the next caller
/// or the build task), the error in the state, beside the last good build.
fn fail(mut res: SyncResult, st: &mut State, t: &Triplet, now: i64, err: Failure) -> SyncResult {
    if err.denied() {
        res.err = Some(err);
        return res;
    }
    st.error = err.text.clone();
    st.error_at = now;
    st.checked_at = now;
    if let Err(serr) = save_state(t, st) {
        res.logf(format!("saving the build state: {}", serr));
    }
    res.err = Some(err);
    res
}

/// Checks the entity's docs source and rebuilds its site when the source changed: at
/// most once per syncInterval unless force, one conditional read when the source has
/// not changed (no rebuild), and on failure the last good site keeps serving with the
/// error in the state.
pub fn sync_docs(e: &Value, force: bool) -> SyncResult {
    let mut res = SyncResult::default();
    let t = entity_triplet(e);
    let c = config();
    if c.builder == "external" {
        res.logf("techdocs.builder is external: the site is published by CI, not built here".into());
        return res;
    }
    let mut st = match load_state(&t) {
        Ok(st) => st,
        Err(err) => {
            res.err = Some(err.into());
            return res;
        }
    };
    let now = clock::now_ms();
    let since_ms = now.saturating_sub(st.checked_at);
    if !force && st.checked_at > 0 && since_ms < c.sync_interval.saturating_mul(1000) {
        let ago = go_duration(round_ns((since_ms.max(0) as u64).saturating_mul(1_000_000), 1_000_000_000));
        res.logf(format!("checked {} ago; the next check is after {}s", ago, c.sync_interval));
        if !st.error.is_empty() {
            res.err = Some(Failure::plain(st.error.clone()));
        }
        return res;
    }
    let loc = match source(e) {
        Ok(loc) => loc,
        Err(err) => {
            // An entity that lost its docs annotation loses its search documents.
            if err.code == code::NOT_FOUND && !st.indexed.is_empty() {
                match unindex(&t) {
                    Err(uerr) => res.logf(format!("warning: removing the docs from search: {}", uerr)),
                    Ok(()) => st.indexed.clear(),
                }
            }
            return fail(res, &mut st, &t, now, err.into());
        }
    };
    let mut etag = st.etag.clone();
    if st.source != loc.target {
        etag.clear();
    }
    if !matches!(files::read(&format!("{}/index.html", t.site_prefix())), Ok(Some(_))) {
        etag.clear();
    }
    res.logf(format!("reading {}", loc.target));
    let began = clock::monotonic_ns();
    let tree = match url::read_tree(&loc.target, &etag, "") {
        Ok(tree) => tree,
        Err(err) => return fail(res, &mut st, &t, now, Failure::from(err).wrap(format!("reading the docs of {} from {}", t.entity_ref(), loc.target))),
    };
    if tree.not_modified {
        res.logf(format!("the source is unchanged (etag {}); no rebuild", etag));
        st.checked_at = now;
        st.error.clear();
        st.error_at = 0;
        let key = index_key(e, &st.etag);
        if st.indexed != key {
            // Built before the index had it (an older plugin, or a failed call), or the
            // entity's title, type, lifecycle or owner changed.
            match index_stored(e) {
                Err(err) => {
                    res.logf(format!("warning: indexing the docs for search: {}", err));
                    log::warn(&log_line("techdocs: indexing for search failed", &[("entity", &t.entity_ref()), ("err", &err.to_string())]));
                }
                Ok(()) => st.indexed = key,
            }
        }
        if let Err(err) = save_state(&t, &st) {
            res.err = Some(err.into());
        }
        return res;
    }
    let tree_etag = tree.etag;
    let mut tree_files = BTreeMap::new();
    for f in tree.files {
        tree_files.insert(f.path, f.content);
    }
    res.logf(format!("read {} files in {}; building", tree_files.len(), step_duration(clock::since_ns(began))));
    let began = clock::monotonic_ns();
    let opts = site::Options {
        edit_base: edit_base(&loc.target),
        edit_url: annotation(e, ANN_EDIT_URL).to_string(),
        max_files: c.max_files.max(0) as usize,
        max_file_size: c.max_file_size.max(0) as u64,
        etag: tree_etag.clone(),
        now_ms: now,
    };
    let built = site::build(&tree_files, &opts);
    drop(tree_files);
    let s = match built {
        Ok(s) => s,
        Err(err) => return fail(res, &mut st, &t, now, Failure::plain(format!("building the docs of {}: {}", t.entity_ref(), site_error_text(&err)))),
    };
    for w in &s.warnings {
        res.logf(format!("warning: {}", w));
    }
    res.logf(format!("built {} pages in {}", s.pages.len(), step_duration(clock::since_ns(began))));
    let began = clock::monotonic_ns();
    st = State { etag: tree_etag.clone(), source: loc.target.clone(), built_at: now, checked_at: now, warnings: s.warnings.clone(), ..Default::default() };
    let prefix = t.site_prefix();
    let site::Site { files: site_files, search: entries, .. } = s;
    let mut out = Vec::with_capacity(site_files.len() + 1);
    for (name, content) in site_files {
        out.push(FileContent { path: format!("{}/{}", prefix, name), content });
    }
    out.push(FileContent::new(&t.state_path(), st.to_json()));
    let stored = out.len();
    if let Err(err) = files::write(out, &prefix) {
        return fail(res, &mut st, &t, now, Failure::from(err).wrap(format!("storing the site of {}", t.entity_ref())));
    }
    res.logf(format!("stored {} files in {}", stored, step_duration(clock::since_ns(began))));
    res.updated = true;
    // A failed indexing leaves the site serving; the next check indexes it again.
    let began = clock::monotonic_ns();
    if let Err(err) = index_site(e, &entries) {
        res.logf(format!("warning: indexing the docs for search: {}", err));
        log::warn(&log_line("techdocs: indexing for search failed", &[("entity", &t.entity_ref()), ("err", &err.to_string())]));
        return res;
    }
    res.logf(format!("indexed {} pages and sections for search in {}", entries.len(), step_duration(clock::since_ns(began))));
    st.indexed = index_key(e, &tree_etag);
    if let Err(err) = save_state(&t, &st) {
        res.logf(format!("saving the build state: {}", err));
    }
    res
}

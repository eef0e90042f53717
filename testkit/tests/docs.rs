//! The documentation still matches the tree: every relative link in README.md,
//! CONTRIBUTING.md, docs/*.md and each crate's README.md resolves to a file (and, into a
//! Markdown file, to one of its headings by GitHub's anchor rule), and every command in a
//! shell code block still names what exists: a script and the flags it takes, a workspace
//! package, its binaries, test targets and, after `--`, its clap flags.
//!
//! Files move when code is split; a doc that points at the old place is only noticed by a
//! reader who follows it, so this test follows every one of them. std only: the checks are
//! line-based and the Markdown used here is plain.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives one level below the workspace root")
        .to_path_buf()
}

/// The documents a reader opens: the root's guides, the reference in docs/, and one README
/// per top-level folder (the crates').
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(root.join("docs")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let readme = entry.path().join("README.md");
            if !name.starts_with('.') && name != "target" && readme.is_file() {
                found.push(readme);
            }
        }
    }
    found.sort();
    docs.extend(found);
    docs
}

/// What the commands may name: the workspace's packages with their folders, binaries and
/// test targets.
struct Workspace {
    root: PathBuf,
    /// package name -> its folder
    packages: BTreeMap<String, PathBuf>,
}

impl Workspace {
    fn read(root: &Path) -> Workspace {
        let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("the root Cargo.toml");
        let mut packages = BTreeMap::new();
        for member in array_of(&manifest, "members") {
            let dir = root.join(&member);
            let text = fs::read_to_string(dir.join("Cargo.toml"))
                .unwrap_or_else(|e| panic!("member {member} has no Cargo.toml: {e}"));
            let name = package_name(&text).unwrap_or(member);
            packages.insert(name, dir);
        }
        Workspace {
            root: root.to_path_buf(),
            packages,
        }
    }

    /// Every binary a package builds: `[[bin]]` names, `src/bin/*.rs` and, with a
    /// `src/main.rs`, the package's own name.
    fn binaries(&self, package: &str) -> BTreeSet<String> {
        let mut bins = BTreeSet::new();
        let Some(dir) = self.packages.get(package) else {
            return bins;
        };
        if dir.join("src/main.rs").is_file() {
            bins.insert(package.to_string());
        }
        if let Ok(entries) = fs::read_dir(dir.join("src/bin")) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    if let Some(stem) = path.file_stem() {
                        bins.insert(stem.to_string_lossy().into_owned());
                    }
                } else if path.join("main.rs").is_file() {
                    bins.insert(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        bins.extend(target_names(&manifest, "bin"));
        bins
    }

    fn all_binaries(&self) -> BTreeSet<String> {
        self.packages
            .keys()
            .flat_map(|p| self.binaries(p))
            .collect()
    }

    /// A `--test` or `--bench` target: `tests/NAME.rs` (`benches/`), a folder with
    /// `main.rs`, or a `[[test]]`/`[[bench]]` entry.
    fn has_target(&self, package: &str, kind: &str, name: &str) -> bool {
        let Some(dir) = self.packages.get(package) else {
            return false;
        };
        let folder = if kind == "test" { "tests" } else { "benches" };
        dir.join(folder).join(format!("{name}.rs")).is_file()
            || dir.join(folder).join(name).join("main.rs").is_file()
            || target_names(
                &fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default(),
                kind,
            )
            .contains(name)
    }

    /// The long flags a package's command line takes: clap's derive fields under
    /// `#[arg(long ...)]` (or `#[clap(long ...)]`) anywhere in its sources, plus clap's own.
    fn clap_flags(&self, package: &str) -> BTreeSet<String> {
        let mut flags: BTreeSet<String> = ["help", "version"].map(String::from).into();
        if let Some(dir) = self.packages.get(package) {
            for file in rust_files(&dir.join("src")) {
                flags.extend(long_flags(&fs::read_to_string(file).unwrap_or_default()));
            }
        }
        flags
    }
}

/// The strings of a TOML array `key = [ "a", "b" ]` (the workspace's members).
fn array_of(toml: &str, key: &str) -> Vec<String> {
    let Some(start) = toml.find(&format!("{key} = [")) else {
        return Vec::new();
    };
    let rest = &toml[start..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split("[package]").nth(1)?;
    let section = package.split("\n[").next()?;
    section.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_string())
    })
}

/// The `name`s of a manifest's `[[bin]]` (or `[[test]]`, `[[bench]]`) tables.
fn target_names(manifest: &str, kind: &str) -> BTreeSet<String> {
    manifest
        .split(&format!("[[{kind}]]"))
        .skip(1)
        .filter_map(|table| package_name(&format!("[package]{table}")))
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// Long flags declared with clap's derive attributes in one source file: `long = "name"`, or a
/// bare `long` naming the field that follows (`allowed_origin` is `--allowed-origin`).
fn long_flags(source: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = ["#[arg(", "#[clap("]
        .iter()
        .filter_map(|open| rest.find(open).map(|i| (i, open.len())))
        .min()
    {
        let body_start = at.0 + at.1;
        let Some(body_len) = closing_paren(&rest[body_start..]) else {
            break;
        };
        let body = &rest[body_start..body_start + body_len];
        let after = &rest[body_start + body_len..];
        if let Some(name) = explicit_long(body) {
            flags.insert(name);
        } else if has_word(body, "long")
            && let Some(field) = next_field(after)
        {
            flags.insert(field.replace('_', "-"));
        }
        rest = after;
    }
    flags
}

/// The length of an attribute's argument list, up to its closing `)` (strings may hold
/// parentheses).
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string && depth == 0 => return Some(i),
            ')' if !in_string => depth -= 1,
            _ => {}
        }
    }
    None
}

fn explicit_long(body: &str) -> Option<String> {
    let at = body.find("long")?;
    let value = body[at + 4..].trim_start().strip_prefix('=')?.trim_start();
    let value = value.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_string())
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The field an attribute belongs to: the first `name:` after it, past further attributes
/// and doc comments.
fn next_field(after: &str) -> Option<String> {
    for line in after.lines().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with("#[") || line.starts_with("//") {
            continue;
        }
        let line = line.strip_prefix("pub ").unwrap_or(line);
        let (name, _) = line.split_once(':')?;
        let name = name.trim();
        return name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
            .then(|| name.to_string());
    }
    None
}

/// One Markdown document split into what the checks read.
struct Parsed {
    /// (line number, destination) of every inline link and image outside code.
    links: Vec<(usize, String)>,
    /// (line number, command line with continuations joined) of every shell code block line.
    commands: Vec<(usize, String)>,
}

/// Where a line of Markdown is: in prose, or inside a fenced code block (and whether that
/// block is a shell's). The fence lines themselves are neither.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Prose,
    Code { shell: bool },
}

/// Each line that is not a fence, numbered from 1, with its place.
fn lines(text: &str) -> Vec<(usize, Place, &str)> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize, bool)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some((mark, len, shell)) = fence {
            let run = trimmed.chars().take_while(|&c| c == mark).count();
            if run >= len && trimmed[run..].trim().is_empty() {
                fence = None;
            } else {
                out.push((index + 1, Place::Code { shell }, line));
            }
            continue;
        }
        if let Some(mark) = ['`', '~'].into_iter().find(|&m| trimmed.starts_with(m)) {
            let len = trimmed.chars().take_while(|&c| c == mark).count();
            if len >= 3 {
                let info = trimmed[len..].split_whitespace().next().unwrap_or("");
                let shell = matches!(
                    info.to_ascii_lowercase().as_str(),
                    "sh" | "bash" | "shell" | "console" | "zsh"
                );
                fence = Some((mark, len, shell));
                continue;
            }
        }
        out.push((index + 1, Place::Prose, line));
    }
    out
}

fn parse(text: &str) -> Parsed {
    let mut links = Vec::new();
    let mut commands = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (number, place, line) in lines(text) {
        match place {
            Place::Prose => {
                links.extend(inline_links(line).into_iter().map(|dest| (number, dest)));
            }
            Place::Code { shell: true } => {
                let line = line.trim();
                let line = line.strip_prefix("$ ").unwrap_or(line);
                let (start, mut joined) = pending.take().unwrap_or((number, String::new()));
                if let Some(head) = line.strip_suffix('\\') {
                    joined.push_str(head);
                    joined.push(' ');
                    pending = Some((start, joined));
                } else {
                    joined.push_str(line);
                    commands.push((start, joined));
                }
            }
            Place::Code { shell: false } => {}
        }
    }
    Parsed { links, commands }
}

/// Byte ranges of a line's code spans (a run of backticks up to the next run of the same
/// length).
fn code_spans(line: &str) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let mut j = i + run;
        let mut closed = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let other = bytes[j..].iter().take_while(|&&b| b == b'`').count();
                if other == run {
                    closed = Some(j + other);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                spans.push((i, end));
                i = end;
            }
            None => i += run,
        }
    }
    spans
}

/// The destinations of `[text](dest)` and `![alt](dest)` on one line, outside code spans.
fn inline_links(line: &str) -> Vec<String> {
    let spans = code_spans(line);
    let inside = |at: usize| spans.iter().any(|&(s, e)| at >= s && at < e);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = line[from..].find("](") {
        let at = from + offset;
        from = at + 2;
        if inside(at) || !line[..at].contains('[') {
            continue;
        }
        let rest = &line[at + 2..];
        let mut depth = 0usize;
        let end = rest.char_indices().find_map(|(i, c)| match c {
            '(' => {
                depth += 1;
                None
            }
            ')' if depth == 0 => Some(i),
            ')' => {
                depth -= 1;
                None
            }
            _ => None,
        });
        let Some(end) = end else { continue };
        let dest = rest[..end].trim();
        // An optional title: `(dest "title")`.
        let dest = dest.split_once(" \"").map_or(dest, |(d, _)| d);
        let dest = dest.trim_start_matches('<').trim_end_matches('>');
        found.push(dest.to_string());
        from = at + 2 + end;
    }
    found
}

/// GitHub's anchor for a heading: the rendered text lower-cased, everything but letters,
/// digits, spaces, `-` and `_` dropped, each space a `-`; repeats get `-1`, `-2`, ...
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for (_, place, line) in lines(markdown) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if place != Place::Prose || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug = slug(line[hashes..].trim().trim_end_matches('#').trim());
        let count = seen.entry(slug.clone()).or_insert(0);
        anchors.insert(if *count == 0 {
            slug.clone()
        } else {
            format!("{slug}-{count}")
        });
        *count += 1;
    }
    anchors
}

fn slug(heading: &str) -> String {
    // The rendered text: a link shows its text, code its content.
    let mut text = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find("](") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        text.push_str(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    text.to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The problems with one document's links: a missing file, a folder outside the repository,
/// a git-ignored target, or an anchor that no heading of the target makes.
fn check_links(root: &Path, doc: &Path, text: &str, parsed: &Parsed) -> Vec<String> {
    let mut problems = Vec::new();
    let name = doc.strip_prefix(root).unwrap_or(doc).display().to_string();
    let dir = doc.parent().unwrap_or(root);
    for (line, dest) in &parsed.links {
        if dest.contains("://") || dest.starts_with("mailto:") {
            continue;
        }
        if dest.starts_with('/') {
            problems.push(format!(
                "{name}:{line}: link `{dest}` is absolute; relative links work on GitHub and in a clone"
            ));
            continue;
        }
        let (path, anchor) = dest.split_once('#').unwrap_or((dest, ""));
        let target = if path.is_empty() {
            doc.to_path_buf()
        } else {
            normalize(&dir.join(path))
        };
        let Ok(relative) = target.strip_prefix(root) else {
            problems.push(format!(
                "{name}:{line}: link `{dest}` leaves the repository"
            ));
            continue;
        };
        if matches!(relative.components().next(), Some(Component::Normal(c)) if c == "target" || c == ".tools")
        {
            problems.push(format!(
                "{name}:{line}: link `{dest}` points into a git-ignored folder"
            ));
            continue;
        }
        if target != doc && !target.exists() {
            problems.push(format!(
                "{name}:{line}: link `{dest}`: no such file {}",
                relative.display()
            ));
            continue;
        }
        if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
            // A link into the same document reads the text being checked.
            let target_text = if target == doc {
                text.to_string()
            } else {
                fs::read_to_string(&target).unwrap_or_default()
            };
            if !anchors(&target_text).contains(anchor) {
                problems.push(format!(
                    "{name}:{line}: link `{dest}`: {} has no heading with the anchor #{anchor}",
                    relative.display()
                ));
            }
        }
    }
    problems
}

/// `a/b/../c` as `a/c`, without touching the file system (the target may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Shell words of a command line: quotes removed, a `#` starting a word ends the line.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, '#') if !started => break,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            // Operators are words of their own, so commands can be told apart.
            (None, ';' | '|' | '&') => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                words.push(c.to_string());
                started = false;
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// The problems with one shell line's commands.
fn check_command(ws: &Workspace, line: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let all = words(line);
    for command in all.split(|w| matches!(w.as_str(), ";" | "|" | "&")) {
        // Redirections and their targets are not arguments.
        let mut args: Vec<&str> = Vec::new();
        let mut skip = false;
        for word in command {
            if skip {
                skip = false;
            } else if word.starts_with('>') || word.starts_with('<') || word.starts_with("2>") {
                skip = !word.ends_with(|c: char| c.is_alphanumeric() || c == '/');
            } else {
                args.push(word);
            }
        }
        // Leading variable assignments (`ARTIFACT_BUCKET=x bash ...`).
        let start = args
            .iter()
            .position(|w| !is_assignment(w))
            .unwrap_or(args.len());
        let args = &args[start..];
        if args.first() == Some(&"cargo") {
            problems.extend(check_cargo(ws, args));
        }
        problems.extend(check_paths(ws, args));
    }
    problems
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A script named anywhere in a command exists, and every long flag after it appears in it;
/// a `target/<profile>/NAME` names a workspace binary.
fn check_paths(ws: &Workspace, args: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut script: Option<(String, String)> = None;
    for arg in args {
        let is_script = (arg.ends_with(".sh") || arg.ends_with(".py"))
            && !arg.starts_with('/')
            && !arg.contains('$')
            && !arg.contains('<');
        if is_script {
            let path = ws.root.join(arg);
            match fs::read_to_string(&path) {
                Ok(text) => script = Some((arg.to_string(), text)),
                Err(_) => {
                    problems.push(format!("no such script {arg}"));
                    script = None;
                }
            }
            continue;
        }
        if let (Some(flag), Some((name, text))) = (long_flag(arg), &script)
            && !text.contains(&format!("--{flag}"))
        {
            problems.push(format!("{name} does not take --{flag}"));
        }
        for profile in ["target/debug/", "target/release/"] {
            if let Some(binary) = arg.strip_prefix(profile)
                && !binary.contains(['/', '<', '$'])
                && !ws.all_binaries().contains(binary)
            {
                problems.push(format!("{arg}: no workspace binary is named {binary}"));
            }
        }
    }
    problems
}

/// `--name` or `--name=value` as `name`; placeholders and `--` alone are not flags.
fn long_flag(arg: &str) -> Option<&str> {
    let flag = arg.strip_prefix("--")?;
    let flag = flag.split_once('=').map_or(flag, |(f, _)| f);
    (!flag.is_empty()
        && flag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then_some(flag)
}

/// `cargo SUB -p NAME [--bin B] [--test T] [--bench B] [-- FLAGS]`: NAME is a workspace
/// member with that binary or target, and after `--` of `cargo run` each long flag is one of
/// the binary's clap flags.
fn check_cargo(ws: &Workspace, args: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let (own, passed) = match args.iter().position(|&a| a == "--") {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &[][..]),
    };
    let subcommand = own.get(1).copied().unwrap_or("");
    let mut packages = Vec::new();
    let mut bins = Vec::new();
    let mut targets = Vec::new();
    let mut iter = own.iter().skip(2).peekable();
    while let Some(&arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (arg, None),
        };
        let mut value = || inline.or_else(|| iter.next().copied());
        match flag {
            "-p" | "--package" => packages.extend(value()),
            "--bin" => bins.extend(value()),
            "--test" => targets.extend(value().map(|v| ("test", v))),
            "--bench" => targets.extend(value().map(|v| ("bench", v))),
            _ => {}
        }
    }
    let placeholder = |v: &str| v.contains(['<', '$', '*']);
    for package in &packages {
        if !placeholder(package) && !ws.packages.contains_key(*package) {
            problems.push(format!(
                "cargo -p {package}: no workspace member is named {package}"
            ));
        }
    }
    let known: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| ws.packages.contains_key(*p))
        .collect();
    for bin in bins.iter().filter(|b| !placeholder(b)) {
        let found = if known.is_empty() {
            ws.all_binaries().contains(*bin)
        } else {
            known.iter().any(|p| ws.binaries(p).contains(*bin))
        };
        if !found {
            problems.push(format!("cargo --bin {bin}: no such binary"));
        }
    }
    for (kind, name) in targets.iter().filter(|(_, n)| !placeholder(n)) {
        if !known.iter().any(|p| ws.has_target(p, kind, name)) {
            problems.push(format!(
                "cargo --{kind} {name}: no such {kind} target in {}",
                known.join(", ")
            ));
        }
    }
    if subcommand == "run" && !passed.is_empty() {
        // `cargo run -p P` runs P's binary (or the one `--bin` names, still P's sources).
        for package in &known {
            let flags = ws.clap_flags(package);
            for flag in passed.iter().filter_map(|a| long_flag(a)) {
                if !flags.contains(flag) {
                    problems.push(format!(
                        "cargo run -p {package} -- --{flag}: {package} declares no such flag"
                    ));
                }
            }
        }
    }
    problems
}

/// Every problem of one document: its links and its shell blocks' commands.
fn check_document(ws: &Workspace, doc: &Path, text: &str) -> Vec<String> {
    let parsed = parse(text);
    let name = doc
        .strip_prefix(&ws.root)
        .unwrap_or(doc)
        .display()
        .to_string();
    let mut problems = check_links(&ws.root, doc, text, &parsed);
    for (line, command) in &parsed.commands {
        for problem in check_command(ws, command) {
            problems.push(format!("{name}:{line}: {problem}"));
        }
    }
    problems
}

#[test]
fn every_link_and_command_in_the_docs_names_what_exists() {
    let root = root();
    let ws = Workspace::read(&root);
    let docs = documents(&root);
    let mut problems = Vec::new();
    for doc in &docs {
        match fs::read_to_string(doc) {
            Ok(text) => problems.extend(check_document(&ws, doc, &text)),
            Err(e) => problems.push(format!("{}: {e}", doc.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the docs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The checks themselves, on documents made up here (placed in the real tree, which is what
/// their links resolve against): each kind of breakage is reported, and the real forms pass.
#[test]
fn a_broken_link_anchor_script_package_or_flag_is_reported() {
    let root = root();
    let ws = Workspace::read(&root);
    let doc = root.join("docs/probe.md");
    let text = "\
# Probe: `one` heading\n\
## Again\n\
## Again\n\
[ok](../README.md) [dir](../testkit) [self](#again-1) [code](#probe-one-heading)\n\
`[not a link](nowhere.md)` [gone](../no-such-file.md) [anchor](#no-such-heading)\n\
```sh\n\
bash scripts/test.sh   # fine\n\
bash scripts/no-such.sh\n\
bash scripts/deploy.sh dev --no-such-flag\n\
cargo test -p no-such-crate\n\
cargo test -p testkit --test no_such_test\n\
X=1 cargo run -p synth -- --format json --no-such-synth-flag\n\
cargo run -p synth --bin no-such-bin\n\
.tools/venv/bin/python scripts/no_such.py \\\n  --flag\n\
ls target/debug/no-such-binary\n\
```\n";
    let problems = check_document(&ws, &doc, text);
    let expect = [
        "no such file no-such-file.md",
        "no heading with the anchor #no-such-heading",
        "no such script scripts/no-such.sh",
        "scripts/deploy.sh does not take --no-such-flag",
        "no workspace member is named no-such-crate",
        "cargo --test no_such_test",
        "synth declares no such flag",
        "cargo --bin no-such-bin",
        "no such script scripts/no_such.py",
        "no workspace binary is named no-such-binary",
    ];
    for wanted in expect {
        assert!(
            problems.iter().any(|p| p.contains(wanted)),
            "expected a problem containing {wanted:?}, got:\n{}",
            problems.join("\n")
        );
    }
    assert_eq!(
        problems.len(),
        expect.len(),
        "only the broken ones are reported:\n{}",
        problems.join("\n")
    );
}

#[test]
fn flags_are_read_from_clap_attributes() {
    let source = "
struct Args {
    /// Port (0 = a free port).
    #[arg(long, default_value_t = 4000)]
    api_port: u16,
    #[arg(long = \"out-file\", value_name = \"F(ILE)\")]
    out: String,
    #[arg(short)]
    quiet: bool,
    #[arg(long)]
    #[arg(value_name = \"URL\")]
    pub allowed_origin: Vec<String>,
}";
    let flags = long_flags(source);
    let expected: BTreeSet<String> = ["api-port", "out-file", "allowed-origin"]
        .map(String::from)
        .into();
    assert_eq!(flags, expected);
}

#[test]
fn anchors_follow_github() {
    let headings = "# Try it against moto (no AWS account)\n## `POST /uploads`\n\
                    ## From the seed's routes\n## [Linked](x.md) part\n## Dup\n## Dup\n\
                    ```sh\n# not a heading\n```\n";
    let expected: BTreeSet<String> = [
        "try-it-against-moto-no-aws-account",
        "post-uploads",
        "from-the-seeds-routes",
        "linked-part",
        "dup",
        "dup-1",
    ]
    .map(String::from)
    .into();
    assert_eq!(anchors(headings), expected);
}

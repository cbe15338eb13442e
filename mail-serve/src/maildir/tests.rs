use super::*;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

struct Root(PathBuf);

impl Root {
    fn new(name: &str) -> Root {
        let dir = std::env::temp_dir().join(format!("mail-serve-maildir-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Root(dir)
    }

    fn store(&self) -> MaildirStore {
        MaildirStore::new(&self.0, UserList::parse("alice:pw\n").unwrap())
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn kw(s: &str) -> Keyword {
    Keyword::new(s).unwrap()
}

fn inbox() -> MailboxName {
    MailboxName::inbox(DELIMITER)
}

fn name(s: &str) -> MailboxName {
    MailboxName::new(s, DELIMITER).unwrap()
}

async fn append(mailbox: &MaildirMailbox, data: &[u8], flags: Flags) -> u32 {
    let mut upload = mailbox.begin_append(flags, Some(1_000_000_000), data.len() as u64).await.unwrap();
    upload.write(data).await.unwrap();
    upload.commit().await.unwrap()
}

#[test]
fn the_example_servers_layout_is_read_back() {
    // What the example imap-server wrote: a version 1 UID list, keyword
    // letters, flags in the names, sizes in S= (CRLF content).
    let root = Root::new("layout");
    let user = root.0.join("alice");
    for dir in [user.clone(), user.join(".Sent")] {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
    }
    fs::write(
        user.join("imap-uidlist"),
        "1 1700000000 12 11\n10 100.M1P1Q1.mail-proto,S=5\n11 101.M1P1Q2.mail-proto,S=7\n",
    )
    .unwrap();
    fs::write(user.join("imap-keywords"), "0 $Label1\n1 Work\n").unwrap();
    fs::write(user.join("cur/100.M1P1Q1.mail-proto,S=5:2,SFb"), b"a\r\nb\r").unwrap();
    fs::write(user.join("cur/101.M1P1Q2.mail-proto,S=7:2,"), b"abc\r\nd\r").unwrap();
    // A message an MTA delivered since, with bare LF line ends.
    fs::write(user.join("new/200.delivered.host"), b"x\ny\n").unwrap();
    fs::write(user.join("subscriptions"), "INBOX\nSent\n").unwrap();
    let store = root.store();
    block_on(async {
        let account = store.account("alice").unwrap();
        let mailbox = account.open(&inbox()).await.unwrap();
        let status = mailbox.status().await.unwrap();
        assert_eq!((status.uid_validity, status.uid_next, status.messages), (1_700_000_000, 13, 3));
        let messages = mailbox.messages().await.unwrap();
        assert_eq!(messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [10, 11, 12]);
        assert_eq!(messages[0].flags, Flags::new(SystemFlags::SEEN.union(SystemFlags::FLAGGED), [kw("Work")]));
        assert_eq!(messages[0].size, 5);
        assert_eq!(messages[2].size, 6, "bare LF counted as CRLF");
        assert!(user.join("cur/200.delivered.host:2,").exists(), "moved from new/ to cur/");
        let subscribed: Vec<String> = account.subscriptions().await.unwrap().iter().map(|n| n.to_string()).collect();
        assert_eq!(subscribed, ["INBOX", "Sent"]);
        let ids = mailbox.pop3_ids(&[10]).await.unwrap();
        assert_eq!(ids[0].1, "100.M1P1Q1.mail-proto,S=5", "the example POP3 server's UIDL");
    });
    // A second start reads sizes and dates from the list, not the files.
    let again = root.store();
    block_on(async {
        let mailbox = again.account("alice").unwrap().open(&inbox()).await.unwrap();
        assert_eq!(mailbox.messages().await.unwrap().len(), 3);
        // Delivered by another program meanwhile: the listing alone (as
        // a POP3 session asks) sees it, in the same clock tick or later.
        fs::write(user.join("new/300.later.host"), b"z\r\n").unwrap();
        assert_eq!(mailbox.messages().await.unwrap().len(), 4, "messages() looks at the disk");
        std::thread::sleep(std::time::Duration::from_millis(150));
        fs::write(user.join("new/301.later.host"), b"z\r\n").unwrap();
        assert_eq!(mailbox.messages().await.unwrap().len(), 5);
    });
    let list = fs::read_to_string(user.join("imap-uidlist")).unwrap();
    assert!(list.contains("12 6 "), "{list}");
    assert!(list.contains("14 3 "), "{list}");
}

#[test]
fn changes_behind_the_stores_back_are_seen() {
    let root = Root::new("external");
    let store = root.store();
    block_on(async {
        let account = store.account("alice").unwrap();
        let mailbox = account.open(&inbox()).await.unwrap();
        let uid = append(&mailbox, b"hello\n", Flags::default()).await;
        let modseq = mailbox.status().await.unwrap().highest_modseq;
        let cur = root.0.join("alice/cur");
        let file = fs::read_dir(&cur).unwrap().next().unwrap().unwrap().path();
        assert_eq!(fs::read(&file).unwrap(), b"hello\r\n", "stored with CRLF");
        // Another program flags it and delivers one more.
        let flagged = PathBuf::from(format!("{}S", file.display()));
        fs::rename(&file, &flagged).unwrap();
        fs::write(root.0.join("alice/new/999.other"), b"new\n").unwrap();
        // Seen by the stat of the directories, or within 100 ms when in
        // the same clock tick as the store's own change.
        std::thread::sleep(std::time::Duration::from_millis(150));
        let changes = mailbox.changes(modseq).await.unwrap();
        let uids: Vec<u32> = changes.changed.iter().map(|m| m.uid).collect();
        assert_eq!(uids, [uid, uid + 1]);
        assert!(changes.changed[0].flags.has(SystemFlags::SEEN));
        fs::remove_file(&flagged).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150));
        let changes = mailbox.changes(changes.modseq).await.unwrap();
        assert_eq!(changes.expunged.unwrap().iter().map(|e| e.uid).collect::<Vec<_>>(), [uid]);
    });
}

#[test]
fn a_change_in_the_same_clock_tick_as_a_scan_is_found_once_the_tick_is_over() {
    let root = Root::new("tick");
    let store = root.store();
    block_on(async {
        let mailbox = store.account("alice").unwrap().open(&inbox()).await.unwrap();
        let uid = append(&mailbox, b"x\r\n", Flags::default()).await;
        let cur = root.0.join("alice/cur");
        let file = fs::read_dir(&cur).unwrap().next().unwrap().unwrap().path();
        // Another program flags the message; the store scans at once.
        let seen = PathBuf::from(format!("{}S", file.display()));
        fs::rename(&file, &seen).unwrap();
        let tick = fs::metadata(&cur).unwrap().modified().unwrap();
        let changes = mailbox.changes(0).await.unwrap();
        assert!(changes.changed[0].flags.has(SystemFlags::SEEN));
        // A second change in the same clock tick leaves the mtime as it was.
        fs::rename(&seen, format!("{}F", seen.display())).unwrap();
        fs::File::open(&cur).unwrap().set_modified(tick).unwrap();
        let now = mailbox.changes(changes.modseq).await.unwrap();
        assert!(now.changed.is_empty(), "not visible in the same tick: {now:?}");
        std::thread::sleep(std::time::Duration::from_millis(150));
        let later = mailbox.changes(changes.modseq).await.unwrap();
        assert_eq!(later.changed.len(), 1, "found by the scan once the tick is over");
        assert_eq!(later.changed[0].uid, uid);
        assert!(later.changed[0].flags.has(SystemFlags::FLAGGED));
    });
}

#[test]
fn two_processes_never_give_one_uid_twice() {
    let root = Root::new("two");
    // Two stores are two processes: separate indexes, one directory.
    let (a, b) = (root.store(), root.store());
    block_on(async {
        let ma = a.account("alice").unwrap().open(&inbox()).await.unwrap();
        let mb = b.account("alice").unwrap().open(&inbox()).await.unwrap();
        let mut uids = Vec::new();
        for i in 0..5 {
            uids.push(append(&ma, format!("a{i}\r\n").as_bytes(), Flags::default()).await);
            uids.push(append(&mb, format!("b{i}\r\n").as_bytes(), Flags::default()).await);
            fs::write(root.0.join(format!("alice/new/ext{i}")), b"x\n").unwrap();
        }
        let la: Vec<u32> = {
            ma.status().await.unwrap();
            ma.messages().await.unwrap().iter().map(|m| m.uid).collect()
        };
        let lb: Vec<u32> = {
            mb.status().await.unwrap();
            mb.messages().await.unwrap().iter().map(|m| m.uid).collect()
        };
        assert_eq!(la, lb, "both see the same UIDs");
        assert_eq!(la.len(), 15);
        let mut sorted = la.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 15, "no UID given twice: {la:?}");
        for u in uids {
            assert!(la.contains(&u));
        }
    });
}

#[test]
fn keyword_letters_are_reused_and_a_refusal_defines_nothing() {
    let root = Root::new("keywords");
    let store = root.store();
    block_on(async {
        let mailbox = store.account("alice").unwrap().open(&inbox()).await.unwrap();
        let uid = append(&mailbox, b"x\r\n", Flags::default()).await;
        let names: Vec<Keyword> = (0..26).map(|i| kw(&format!("k{i}"))).collect();
        mailbox.store_flags(&[uid], FlagOp::Add, &Flags::new(SystemFlags::NONE, names.clone()), None).await.unwrap();
        let one_more = Flags::new(SystemFlags::NONE, [kw("extra")]);
        let before = fs::read_to_string(root.0.join("alice/imap-keywords")).unwrap();
        let refused = mailbox.store_flags(&[uid], FlagOp::Add, &one_more, None).await;
        assert!(matches!(refused, Err(StoreError::Limit(_))));
        assert_eq!(fs::read_to_string(root.0.join("alice/imap-keywords")).unwrap(), before, "nothing defined");
        // k3 no longer used by any message: its letter is free again.
        let k3 = Flags::new(SystemFlags::NONE, [kw("k3")]);
        mailbox.store_flags(&[uid], FlagOp::Remove, &k3, None).await.unwrap();
        let (metas, _) = mailbox.store_flags(&[uid], FlagOp::Add, &one_more, None).await.unwrap();
        assert!(metas[0].flags.has_keyword(&kw("extra")) && !metas[0].flags.has_keyword(&kw("k3")));
        assert!(metas[0].flags.has_keyword(&kw("k25")));
        let uid2 = append(&mailbox, b"y\r\n", Flags::new(SystemFlags::NONE, [kw("k4")])).await;
        assert!(mailbox.messages_by_uid(&[uid2]).await.unwrap()[0].flags.has_keyword(&kw("k4")));
    });
}

#[test]
fn renames_keep_keywords_and_children_and_finish_after_a_crash() {
    let root = Root::new("rename");
    let store = root.store();
    block_on(async {
        let account = store.account("alice").unwrap();
        let inbox_box = account.open(&inbox()).await.unwrap();
        let uid = append(&inbox_box, b"x\r\n", Flags::new(SystemFlags::SEEN, [kw("$Label2")])).await;
        account.rename(&inbox(), &name("INBOX.old")).await.unwrap();
        assert_eq!(inbox_box.status().await.unwrap().messages, 0, "INBOX stays, empty");
        let old = account.open(&name("INBOX.old")).await.unwrap();
        let metas = old.messages().await.unwrap();
        assert_eq!(metas.len(), 1);
        assert_eq!(metas[0].uid, uid);
        assert!(metas[0].flags.has_keyword(&kw("$label2")), "keywords kept: {:?}", metas[0].flags);
        // A folder with children.
        account.create(&name("a"), None).await.unwrap();
        account.create(&name("a.b"), None).await.unwrap();
        account.rename(&name("a"), &name("c")).await.unwrap();
        let names: Vec<String> = account.list().await.unwrap().iter().map(|m| m.name.to_string()).collect();
        assert!(
            names.contains(&"c".to_string())
                && names.contains(&"c.b".to_string())
                && !names.contains(&"a.b".to_string()),
            "{names:?}"
        );
        assert!(matches!(account.rename(&name("c"), &name("Sent")).await, Err(StoreError::AlreadyExists)));
        assert!(matches!(account.rename(&name("c"), &name("c.x")).await, Err(StoreError::NotAllowed(_))));
    });
    // A crash after the journal was written and one of two renames done.
    let user = root.0.join("alice");
    fs::rename(user.join(".c"), user.join(".d")).unwrap();
    fs::write(user.join(JOURNAL), ".c\t.d\n.c.b\t.d.b\nEND\n").unwrap();
    let again = root.store();
    block_on(async {
        let account = again.account("alice").unwrap();
        let names: Vec<String> = account.list().await.unwrap().iter().map(|m| m.name.to_string()).collect();
        assert!(names.contains(&"d".to_string()) && names.contains(&"d.b".to_string()), "{names:?}");
        assert!(!user.join(JOURNAL).exists());
    });
}

#[test]
fn crash_leftovers_are_cleaned_and_a_torn_list_line_is_ignored() {
    let root = Root::new("crash");
    let store = root.store();
    block_on(async {
        let mailbox = store.account("alice").unwrap().open(&inbox()).await.unwrap();
        append(&mailbox, b"one\r\n", Flags::default()).await;
    });
    let user = root.0.join("alice");
    let old_tmp = user.join("tmp/crashed");
    fs::write(&old_tmp, b"half a message").unwrap();
    let long_ago = SystemTime::now() - std::time::Duration::from_secs(40 * 3600);
    fs::File::options().write(true).open(&old_tmp).unwrap().set_modified(long_ago).unwrap();
    let fresh_tmp = user.join("tmp/being-written");
    fs::write(&fresh_tmp, b"in progress").unwrap();
    // A line cut short by the crash.
    let mut list = fs::OpenOptions::new().append(true).open(user.join("imap-uidlist")).unwrap();
    list.write_all(b"7 12 100").unwrap();
    drop(list);
    let again = root.store();
    block_on(async {
        let mailbox = again.account("alice").unwrap().open(&inbox()).await.unwrap();
        let metas = mailbox.messages().await.unwrap();
        assert_eq!(metas.len(), 1);
        assert_eq!(metas[0].uid, 1);
        let uid = append(&mailbox, b"two\r\n", Flags::default()).await;
        assert_eq!(uid, 2);
    });
    assert!(!old_tmp.exists(), "a 36-hour-old tmp file is a crash's leftover");
    assert!(fresh_tmp.exists(), "a recent one may be a delivery in progress");
}

#[test]
fn first_logins_at_once_all_succeed_and_make_one_maildir() {
    let root = Root::new("first");
    let store = root.store();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let credentials = Credentials { user: "alice".into(), password: "pw".into(), authorize_as: None };
                block_on(async {
                    let account = store.login(&credentials).await.unwrap();
                    account.list().await.unwrap().len()
                })
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 5, "INBOX and the four usual folders, never half of them");
    }
    let leftovers: Vec<_> = fs::read_dir(&root.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["alice"]);
}

#[test]
fn concurrent_subscriptions_lose_nothing() {
    let root = Root::new("subscribe");
    let store = root.store();
    let account = store.account("alice").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let account = account.clone();
            std::thread::spawn(move || {
                block_on(async {
                    for i in 0..10 {
                        account.set_subscribed(&name(&format!("f{t}x{i}")), true).await.unwrap();
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let names = block_on(account.subscriptions()).unwrap();
    assert_eq!(names.len(), 5 + 80);
}

use std::io::Write;
use std::time::SystemTime;

#[test]
fn modseqs_survive_a_restart_and_offline_changes_get_new_ones() {
    let root = Root::new("modseq-restart");
    let (uids, highest, flagged_modseq) = block_on(async {
        let mailbox = root.store().account("alice").unwrap().open(&inbox()).await.unwrap();
        let mut uids = Vec::new();
        for i in 0..4 {
            uids.push(append(&mailbox, format!("m{i}\r\n").as_bytes(), Flags::default()).await);
        }
        let (flagged, _) = mailbox
            .store_flags(&uids[1..2], FlagOp::Add, &Flags::system_only(SystemFlags::FLAGGED), None)
            .await
            .unwrap();
        mailbox.store_flags(&uids[3..4], FlagOp::Add, &Flags::system_only(SystemFlags::DELETED), None).await.unwrap();
        assert_eq!(mailbox.expunge(None).await.unwrap(), [uids[3]]);
        (uids, mailbox.status().await.unwrap().highest_modseq, flagged[0].modseq)
    });
    // A restart: a new store reads the folder afresh.
    block_on(async {
        let mailbox = root.store().account("alice").unwrap().open(&inbox()).await.unwrap();
        let status = mailbox.status().await.unwrap();
        assert_eq!(status.highest_modseq, highest, "HIGHESTMODSEQ kept");
        let metas = mailbox.messages().await.unwrap();
        assert_eq!(metas[1].modseq, flagged_modseq, "each message's modseq kept");
        assert!(metas.iter().all(|m| m.modseq <= highest));
        let changes = mailbox.changes(flagged_modseq - 1).await.unwrap();
        assert_eq!(changes.changed.iter().map(|m| m.uid).collect::<Vec<_>>(), [uids[1]]);
        let gone: Vec<u32> = changes.expunged.expect("remembered").iter().map(|e| e.uid).collect();
        assert_eq!(gone, [uids[3]], "the expunge is remembered across the restart");
        assert!(mailbox.changes(highest).await.unwrap().changed.is_empty(), "nothing new");
    });
    // While no server runs, another program flags a message and deletes one.
    let cur = root.0.join("alice/cur");
    let mut files: Vec<PathBuf> = fs::read_dir(&cur).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    fs::rename(&files[0], format!("{}S", files[0].display())).unwrap();
    fs::remove_file(&files[2]).unwrap();
    block_on(async {
        let mailbox = root.store().account("alice").unwrap().open(&inbox()).await.unwrap();
        let changes = mailbox.changes(highest).await.unwrap();
        assert_eq!(changes.changed.iter().map(|m| m.uid).collect::<Vec<_>>(), [uids[0]]);
        assert!(changes.changed[0].modseq > highest, "a new modseq for the offline change");
        let gone: Vec<u32> = changes.expunged.unwrap().iter().map(|e| e.uid).collect();
        assert_eq!(gone, [uids[2]]);
        assert!(changes.modseq > highest);
    });
}

#[test]
fn two_processes_never_give_one_modseq_twice() {
    let root = Root::new("modseq-two");
    let (a, b) = (root.store(), root.store());
    block_on(async {
        let ma = a.account("alice").unwrap().open(&inbox()).await.unwrap();
        let mb = b.account("alice").unwrap().open(&inbox()).await.unwrap();
        let one = append(&ma, b"one\r\n", Flags::default()).await;
        let two = append(&mb, b"two\r\n", Flags::default()).await;
        let seen = Flags::system_only(SystemFlags::SEEN);
        let (x, _) = ma.store_flags(&[one], FlagOp::Add, &seen, None).await.unwrap();
        let (y, _) = mb.store_flags(&[two], FlagOp::Add, &seen, None).await.unwrap();
        assert!(y[0].modseq > x[0].modseq, "B's change comes after A's: {x:?} {y:?}");
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert_eq!(mb.messages().await.unwrap().len(), 2);
        // UNCHANGEDSINCE sees the other process's change.
        let (_, skipped) = mb
            .store_flags(&[one], FlagOp::Add, &Flags::system_only(SystemFlags::FLAGGED), Some(x[0].modseq - 1))
            .await
            .unwrap();
        assert_eq!(skipped, [one]);
        std::thread::sleep(std::time::Duration::from_millis(150));
        let la: Vec<(u32, u64)> = ma.messages().await.unwrap().iter().map(|m| (m.uid, m.modseq)).collect();
        let lb: Vec<(u32, u64)> = mb.messages().await.unwrap().iter().map(|m| (m.uid, m.modseq)).collect();
        assert_eq!(la, lb, "both processes tell the same modseqs");
        assert_eq!(ma.status().await.unwrap().highest_modseq, mb.status().await.unwrap().highest_modseq);
        // An expunge by one is reported by the other with its modseq.
        let before = mb.status().await.unwrap().highest_modseq;
        ma.store_flags(&[one], FlagOp::Add, &Flags::system_only(SystemFlags::DELETED), None).await.unwrap();
        ma.expunge(None).await.unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150));
        let changes = mb.changes(before).await.unwrap();
        assert_eq!(changes.expunged.unwrap().iter().map(|e| e.uid).collect::<Vec<_>>(), [one]);
        assert_eq!(changes.modseq, ma.status().await.unwrap().highest_modseq);
    });
}

#[test]
fn a_special_use_given_at_create_survives_restarts_and_renames() {
    let root = Root::new("special-use");
    block_on(async {
        let account = root.store().account("alice").unwrap();
        account.create(&name("Old mail"), Some(SpecialUse::Archive)).await.unwrap();
        account.create(&name("Plain"), None).await.unwrap();
        // Made whole elsewhere and moved in: nothing of the making is left.
        let leftovers: Vec<String> = fs::read_dir(root.0.join("alice"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".."))
            .collect();
        assert_eq!(leftovers, Vec::<String>::new());
        assert!(
            matches!(account.create(&name("Plain"), Some(SpecialUse::Junk)).await, Err(StoreError::AlreadyExists)),
            "an existing folder keeps what it was made with"
        );
        // A new store (a restart) reads it back; a rename carries it.
        let account = root.store().account("alice").unwrap();
        account.rename(&name("Old mail"), &name("Archives.2026")).await.unwrap();
        let uses: HashMap<String, Option<SpecialUse>> =
            account.list().await.unwrap().into_iter().map(|i| (i.name.as_str().to_string(), i.special_use)).collect();
        assert_eq!(uses["Archives.2026"], Some(SpecialUse::Archive));
        assert_eq!(uses["Plain"], None);
        assert_eq!(uses["Sent"], Some(SpecialUse::Sent), "the default folders keep theirs by name");
        assert!(!uses.contains_key("Old mail"));
        // Deleted and made again without one: none.
        account.delete(&name("Archives.2026")).await.unwrap();
        account.create(&name("Archives.2026"), None).await.unwrap();
        let again = account.list().await.unwrap();
        assert_eq!(again.iter().find(|i| i.name.as_str() == "Archives.2026").unwrap().special_use, None);
    });
}

#[test]
fn save_dates_come_from_the_unique_names() {
    assert_eq!(folder::save_date("1700000000.M1P2Q3.host"), Some(1_700_000_000));
    assert_eq!(folder::save_date("1700000000.M1P2Q3.mail-serve,W=12"), Some(1_700_000_000));
    for odd in ["", "host", ".x", "17a.x", "-1.x", "9999999999999.x"] {
        assert_eq!(folder::save_date(odd), None, "{odd}");
    }
    // Appended and copied messages are saved now.
    let root = Root::new("save-dates");
    block_on(async {
        let account = root.store().account("alice").unwrap();
        let inbox = account.open(&inbox()).await.unwrap();
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let uid = append(&inbox, b"Subject: x\r\n\r\nbody\r\n", Flags::default()).await;
        let sent = account.open(&name("Sent")).await.unwrap();
        let (_, pairs) = inbox.copy_to(&[uid], &sent).await.unwrap();
        for (mailbox, uid) in [(&inbox, uid), (&sent, pairs[0].1)] {
            let meta = mailbox.messages_by_uid(&[uid]).await.unwrap().remove(0);
            let saved = meta.save_date.expect("a save date");
            assert!(saved >= before && saved <= before + 5, "{saved} {before}");
            assert_eq!(meta.internal_date, 1_000_000_000, "the internal date stays");
        }
    });
}

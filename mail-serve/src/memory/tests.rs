use super::*;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

fn kw(s: &str) -> Keyword {
    Keyword::new(s).unwrap()
}

fn setup() -> (MemoryStore, MemoryAccount) {
    let store = MemoryStore::with_max_keywords(3);
    store.add_user("alice", "pw");
    let creds = Credentials { user: "alice".into(), password: "pw".into(), authorize_as: None };
    let account = block_on(store.login(&creds)).unwrap();
    (store, account)
}

#[test]
fn login_checks_password_and_authorization_identity() {
    let (store, _) = setup();
    let bad = Credentials { user: "alice".into(), password: "px".into(), authorize_as: None };
    assert!(matches!(block_on(store.login(&bad)), Err(AuthError::Failed)));
    let other = Credentials { user: "alice".into(), password: "pw".into(), authorize_as: Some("bob".into()) };
    assert!(matches!(block_on(store.login(&other)), Err(AuthError::NotAuthorized)));
}

#[test]
fn a_refused_store_changes_nothing() {
    let (store, account) = setup();
    store.deliver("alice", b"a\r\n").unwrap();
    block_on(async {
        let inbox = account.open(&MailboxName::inbox('/')).await.unwrap();
        let too_many = Flags::new(SystemFlags::SEEN, ["a", "b", "c", "d"].map(kw));
        let before = inbox.status().await.unwrap();
        assert!(matches!(inbox.store_flags(&[1], FlagOp::Add, &too_many, None).await, Err(StoreError::Limit(_))));
        assert_eq!(inbox.status().await.unwrap(), before);
        assert_eq!(inbox.messages().await.unwrap()[0].flags, Flags::default());
        // Three fit.
        let three = Flags::new(SystemFlags::NONE, ["a", "b", "c"].map(kw));
        inbox.store_flags(&[1], FlagOp::Add, &three, None).await.unwrap();
        assert_eq!(inbox.messages().await.unwrap()[0].flags.keywords().len(), 3);
    });
}

#[test]
fn changes_report_flags_arrivals_and_expunges() {
    let (store, account) = setup();
    store.deliver("alice", b"one\r\n").unwrap();
    store.deliver("alice", b"two\n").unwrap();
    block_on(async {
        let inbox = account.open(&MailboxName::inbox('/')).await.unwrap();
        let start = inbox.status().await.unwrap().highest_modseq;
        let deleted = Flags::system_only(SystemFlags::DELETED);
        inbox.store_flags(&[1], FlagOp::Add, &deleted, None).await.unwrap();
        let changes = inbox.changes(start).await.unwrap();
        assert_eq!(changes.changed.iter().map(|m| m.uid).collect::<Vec<_>>(), [1]);
        assert_eq!(inbox.expunge(None).await.unwrap(), [1]);
        let changes = inbox.changes(changes.modseq).await.unwrap();
        assert_eq!(changes.expunged.unwrap()[0].uid, 1);
        assert_eq!(inbox.messages().await.unwrap()[0].size, 5, "bare LF counted as CRLF");
    });
}

#[test]
fn rename_moves_children_and_inbox_keeps_existing() {
    let (store, account) = setup();
    store.deliver("alice", b"x\r\n").unwrap();
    let n = |s: &str| MailboxName::new(s, '/').unwrap();
    block_on(async {
        account.create(&n("a"), None).await.unwrap();
        account.create(&n("a/b"), None).await.unwrap();
        account.rename(&n("a"), &n("c")).await.unwrap();
        let names: Vec<String> = account.list().await.unwrap().into_iter().map(|i| i.name.to_string()).collect();
        assert_eq!(names, ["INBOX", "c", "c/b"]);
        assert!(matches!(
            account.rename(&n("c"), &n("c/b/d")).await,
            Err(StoreError::AlreadyExists | StoreError::NotAllowed(_))
        ));
        let inbox = account.open(&n("INBOX")).await.unwrap();
        inbox.store_flags(&[1], FlagOp::Add, &Flags::new(SystemFlags::NONE, [kw("$Label")]), None).await.unwrap();
        account.rename(&n("INBOX"), &n("INBOX/old")).await.unwrap();
        assert_eq!(inbox.status().await.unwrap().messages, 0);
        let old = account.open(&n("INBOX/old")).await.unwrap();
        assert!(old.messages().await.unwrap()[0].flags.has_keyword(&kw("$label")));
    });
}

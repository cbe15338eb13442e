#!/usr/bin/env bash
# Starts a throw-away Dovecot (IMAP + POP3) on 127.0.0.1 for tests and
# recordings, with users alice, bob, carol, dave and erin (password
# "secret"), each with the sample mail of examples/sessions/mail.
# Plain ports offer STARTTLS/STLS; the IMAPS and POP3S ports speak TLS from
# the first byte; the certificate is self-signed ($DIR/cert.pem). IMAP
# offers COMPRESS=DEFLATE, CONDSTORE, QRESYNC, QUOTA (1 GiB per user) and
# METADATA.
#
#   examples/scripts/dovecot-test-server.sh start DIR [IMAP_PORT POP3_PORT [IMAPS_PORT POP3S_PORT]]
#   examples/scripts/dovecot-test-server.sh stop DIR
#
# DIR and its parents must be enterable by Dovecot's unprivileged users
# (a directory directly under /tmp is). Needs Debian's dovecot-core, dovecot-imapd and dovecot-pop3d; install
# them with examples/scripts/install-dovecot.sh.
set -euo pipefail

cmd=${1:?start|stop}
dir=$(realpath -m "${2:?directory}")
imap_port=${3:-14143}
pop3_port=${4:-14110}
imaps_port=${5:-14993}
pop3s_port=${6:-14995}
here=$(cd "$(dirname "$0")" && pwd)

case "$cmd" in
stop)
    if [ -f "$dir/run/master.pid" ]; then
        kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
        for _ in $(seq 50); do [ -f "$dir/run/master.pid" ] || break; sleep 0.1; done
    fi
    exit 0
    ;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

users="alice bob carol dave erin"
mkdir -p "$dir/run" "$dir/state"
for user in $users; do mkdir -p "$dir/home/$user"; done
# Dovecot's auth process runs as its own user and must reach the files.
chmod 755 "$dir"
trap 'echo "dovecot-test-server: failed; log follows" >&2; cat "$dir/dovecot.log" >&2 2>/dev/null || true' ERR
if [ "$(id -u)" = 0 ]; then
    # Dovecot refuses UID 0 for mail; run the mail users as 5000.
    uid=5000
    gid=5000
    chown -R "$uid:$gid" "$dir/home"
    internal_users=""
else
    uid=$(id -u)
    gid=$(id -g)
    internal_users="default_internal_user = $(id -un)
default_login_user = $(id -un)
default_internal_group = $(id -gn)"
fi
# A self-signed certificate for STARTTLS and STLS (test use only).
if [ ! -f "$dir/cert.pem" ]; then
    # An end-entity certificate (CA:FALSE) for localhost and 127.0.0.1:
    # clients pin it with --ca, as they would a private CA.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext basicConstraints=critical,CA:FALSE \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" > /dev/null 2>&1
    chmod 644 "$dir/key.pem" "$dir/cert.pem"
fi
for user in $users; do
    echo "$user:{PLAIN}secret:$uid:$gid::$dir/home/$user::"
done > "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
instance_name = mailproto-test-$imap_port
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
mail_plugins = zlib quota
protocol imap {
  mail_plugins = \$mail_plugins imap_zlib imap_quota
  imap_metadata = yes
}
mail_attribute_dict = file:%h/dovecot-attributes
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1G
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = create
  }
}
$internal_users
passdb {
  driver = passwd-file
  args = $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3_port
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $pop3s_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
CONF

dovecot -c "$dir/dovecot.conf" > "$dir/dovecot.stdout" 2>&1
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$imap_port") 2>/dev/null; then
        # Sample mail, delivered once per fresh directory.
        if [ ! -d "$dir/home/alice/Maildir" ]; then
            for msg in "$here"/../sessions/mail/*.eml; do
                # alice is for IMAP sessions, bob for POP3 sessions, the
                # others for tests that change their mail.
                for user in $users; do
                    /usr/lib/dovecot/dovecot-lda -c "$dir/dovecot.conf" -d "$user" -f sender@example.org < "$msg"
                done
            done
        fi
        echo "dovecot listening on 127.0.0.1:$imap_port (imap), :$pop3_port (pop3), :$imaps_port (imaps), :$pop3s_port (pop3s), dir $dir"
        exit 0
    fi
    sleep 0.1
done
echo "dovecot did not start; see $dir/dovecot.log" >&2
cat "$dir/dovecot.log" >&2 || true
exit 1

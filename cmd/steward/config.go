package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/steward-privacy/steward/audit"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is the server's configuration. Values come, lowest precedence
// first, from the defaults, the YAML file named by --config, STEWARD_*
// environment variables (STEWARD_<FIELD>, and STEWARD_<FIELD>_FILE for
// secrets, which reads the value from a file), and command-line flags.
type Config struct {
	// Data is the data folder: the SQLite database, the master key file and
	// local files live here.
	Data string `yaml:"data"`
	// Database is empty for SQLite in the data folder, or a postgres:// DSN.
	Database string `yaml:"database"`
	// Listen is the address to serve on; port 0 picks a free port.
	Listen string `yaml:"listen"`
	// Policy is the policy file a start imports as a new version (the
	// database holds the version in force); empty means the built-in
	// starter policy, imported only into an empty database.
	Policy string `yaml:"policy"`
	// Files is where encrypted files go: empty for DATA/files, another
	// folder, or an S3-compatible DSN (http(s)://KEY:SECRET@host/bucket).
	Files string `yaml:"files"`
	// MasterKeyFile is the key file (default DATA/master.key).
	MasterKeyFile string `yaml:"master_key_file"`
	// SMTPURL is the mail server (smtp://[user:pass@]host[:port], STARTTLS
	// when offered, ?tls=required to insist; smtps:// for implicit TLS);
	// MailFrom the sender address. Without them steward sends no email.
	SMTPURL  string `yaml:"smtp_url"`
	MailFrom string `yaml:"mail_from"`
	// NoConsole switches the staff web console (/console/) off.
	NoConsole bool `yaml:"no_console"`
	// NoPrivacyCenter switches the privacy center (/privacy-center/) off.
	NoPrivacyCenter bool `yaml:"no_privacy_center"`
	// MasterKeyProvider is keyfile (the default) or pkcs11: the master key
	// in an HSM (a build with -tags pkcs11). The PKCS#11 settings locate the
	// token; its PIN comes from PKCS11PINFile or STEWARD_PKCS11_PIN, never
	// from a flag.
	MasterKeyProvider string `yaml:"master_key_provider"`
	PKCS11Module      string `yaml:"pkcs11_module"`
	PKCS11TokenLabel  string `yaml:"pkcs11_token_label"`
	PKCS11PINFile     string `yaml:"pkcs11_pin_file"`
	// Region is the home region of the operator tenant created on first start.
	Region string `yaml:"region"`
	// TLSCert and TLSKey are PEM files; with them the server speaks TLS 1.2+.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// InsecureHTTP allows plain HTTP on a non-loopback address.
	InsecureHTTP bool `yaml:"insecure_http"`
	// LogLevel is debug, info, warn or error; LogFormat json or text.
	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`
	// ShutdownTimeout bounds how long in-flight requests may finish on stop.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// RateLimitKey is the steady request rate allowed per API key or staff
	// account (the burst is twice that); 0 disables the limit.
	RateLimitKey float64 `yaml:"rate_limit_key"`
	// RateLimitIP is the rate allowed per client address for requests
	// without a valid credential (sign-in, failed authentications); 0
	// disables it.
	RateLimitIP float64 `yaml:"rate_limit_ip"`
	// JobLease is how long a replica holds a background job's lease; another
	// replica takes the job over within it when this one dies.
	JobLease time.Duration `yaml:"job_lease"`
	// JobInterval is the period of the most frequent background jobs (file
	// retention, audit checkpoints); the others run every 5 or 10 intervals.
	JobInterval time.Duration `yaml:"job_interval"`
	// NoticeBatch is how many notices of a policy change one batch of the
	// sending job mails (0: 100).
	NoticeBatch float64 `yaml:"notice_batch"`
	// NoticeRate caps the notices of a policy change mailed per second
	// (0: as fast as the mail server takes them), for relays that throttle.
	NoticeRate float64 `yaml:"notice_rate"`
	// EphemeralTTL is how long an ephemeral file that is never downloaded
	// lives before the retention job deletes it.
	EphemeralTTL time.Duration `yaml:"ephemeral_ttl"`
	// PublicURL is the base of every link steward hands out (one-time
	// download links of disclosed files), e.g. https://steward.example.com;
	// empty means the address the server listens on.
	PublicURL string `yaml:"public_url"`
	// DownloadTTL is how long a one-time download link lives.
	DownloadTTL time.Duration `yaml:"download_ttl"`
	// AuditJournalDelay is how long an audit event written to the server's
	// journal waits before it is chained into the database (see
	// audit.Options.JournalDelay), and on PostgreSQL also the period of the
	// sequencer that chains the events command-line tools accepted. Longer
	// is cheaper per event; events are durable either way.
	AuditJournalDelay time.Duration `yaml:"audit_journal_delay"`
	// AuditJournalSync makes an audited request wait until its event is on
	// disk in the server's journal (fdatasync, shared by the requests
	// waiting at that moment), so that it survives a crash of the machine
	// and not only of the process. Off by default, on both databases: the
	// journal is then exactly as durable as SQLite's own commits
	// (synchronous=NORMAL), and events reach the database, synced, within
	// audit_journal_delay. On PostgreSQL it costs about 60 % of audited
	// reads and a third of writes on a 2-core machine (docs/benchmarks.md).
	AuditJournalSync bool `yaml:"audit_journal_sync"`
	// Tombstones is the erasure tombstone file (default
	// DATA/erasure-tombstones): every erasure is recorded there first, and a
	// restore replays it. Put it on another disk than the backups.
	Tombstones string `yaml:"tombstones"`
	// OrphanGrace is how old a blob without a file row, or a partial upload,
	// must be before the reconciliation job removes it.
	OrphanGrace time.Duration `yaml:"orphan_grace"`
	// WebhookInterval is how often the delivery job looks for new events
	// and due retries; WebhookTimeout bounds one delivery attempt.
	WebhookInterval time.Duration `yaml:"webhook_interval"`
	WebhookTimeout  time.Duration `yaml:"webhook_timeout"`
	// WebhookRetryScale multiplies the retry schedule (5s, 5m, 30m, 2h, 5h,
	// 10h, 10h); tests compress it.
	WebhookRetryScale float64 `yaml:"webhook_retry_scale"`
	// WebhookAllowPrivate lets webhooks reach loopback, private and
	// link-local addresses: an application beside steward, or tests.
	WebhookAllowPrivate bool `yaml:"webhook_allow_private"`
	// RequestsApproval lists the rights request types (separated by commas
	// or spaces) that wait for a staff approval once verified; empty: none.
	RequestsApproval string `yaml:"requests_approval"`
	// DevMail prints outgoing mail (verification codes) to the terminal
	// instead of sending it: for development only, never with real people.
	DevMail bool `yaml:"dev_mail"`
}

// DefaultConfig returns the zero-set-up defaults.
func DefaultConfig() Config {
	return Config{Data: "steward-data", Listen: "127.0.0.1:8080", Region: "us", LogLevel: "info", LogFormat: "json",
		ShutdownTimeout: 15 * time.Second, RateLimitKey: 10000, RateLimitIP: 20, JobLease: 30 * time.Second,
		JobInterval: time.Minute, EphemeralTTL: time.Hour, DownloadTTL: 10 * time.Minute, AuditJournalDelay: audit.DefaultJournalDelay,
		OrphanGrace: time.Hour, WebhookInterval: 5 * time.Second, WebhookTimeout: 10 * time.Second, WebhookRetryScale: 1}
}

// configField describes one setting for the environment and flag layers.
type configField struct {
	name   string // yaml/flag name; env is STEWARD_ + upper(name)
	usage  string
	secret bool // also read from STEWARD_<NAME>_FILE
	str    *string
	flag   *bool
	dur    *time.Duration
	num    *float64
}

func (c *Config) fields() []configField {
	return []configField{
		{name: "data", usage: "data folder", str: &c.Data},
		{name: "database", usage: "empty for SQLite in the data folder, or a postgres:// DSN", secret: true, str: &c.Database},
		{name: "listen", usage: "address to listen on (port 0 picks a free port)", str: &c.Listen},
		{name: "policy", usage: "policy file to import as a new version (default: the built-in starter policy, into an empty database)", str: &c.Policy},
		{name: "files", usage: "file store: a folder (default DATA/files) or an S3 DSN http(s)://KEY:SECRET@host/bucket", secret: true, str: &c.Files},
		{name: "master_key_file", usage: "master key file (default DATA/master.key)", str: &c.MasterKeyFile},
		{name: "smtp_url", usage: "mail server: smtp://[user:pass@]host[:port] (STARTTLS when offered; ?tls=required) or smtps://…", secret: true, str: &c.SMTPURL},
		{name: "mail_from", usage: "sender address of steward's email (one-time codes, breach notices)", str: &c.MailFrom},
		{name: "no_console", usage: "switch the staff web console (/console/) off", flag: &c.NoConsole},
		{name: "no_privacy_center", usage: "switch the people's privacy center (/privacy-center/{tenant-slug}/) off", flag: &c.NoPrivacyCenter},
		{name: "master_key_provider", usage: "keyfile (default) or pkcs11 (the master key in an HSM; needs a build with -tags pkcs11)", str: &c.MasterKeyProvider},
		{name: "pkcs11_module", usage: "path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so", str: &c.PKCS11Module},
		{name: "pkcs11_token_label", usage: "label of the PKCS#11 token holding the master key", str: &c.PKCS11TokenLabel},
		{name: "pkcs11_pin_file", usage: "file holding the token's user PIN (or set STEWARD_PKCS11_PIN; never a flag)", str: &c.PKCS11PINFile},
		{name: "region", usage: "home region of the operator tenant created on first start", str: &c.Region},
		{name: "tls_cert", usage: "TLS certificate (PEM)", str: &c.TLSCert},
		{name: "tls_key", usage: "TLS private key (PEM)", secret: true, str: &c.TLSKey},
		{name: "insecure_http", usage: "allow plain HTTP on a non-loopback address", flag: &c.InsecureHTTP},
		{name: "log_level", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "log_format", usage: "json or text", str: &c.LogFormat},
		{name: "shutdown_timeout", usage: "how long in-flight requests may finish on stop", dur: &c.ShutdownTimeout},
		{name: "rate_limit_key", usage: "requests per second per API key or staff account (0: no limit)", num: &c.RateLimitKey},
		{name: "rate_limit_ip", usage: "requests per second per client address without a valid credential (0: no limit)", num: &c.RateLimitIP},
		{name: "job_lease", usage: "background job lease; a dead replica's jobs move within it", dur: &c.JobLease},
		{name: "notice_batch", usage: "notices of a policy change mailed per batch of the sending job (default 100)", num: &c.NoticeBatch},
		{name: "notice_rate", usage: "notices of a policy change mailed per second at most (default 0: no cap)", num: &c.NoticeRate},
		{name: "job_interval", usage: "period of the most frequent background jobs (retention, audit checkpoints)", dur: &c.JobInterval},
		{name: "ephemeral_ttl", usage: "lifetime of an ephemeral file that is never downloaded", dur: &c.EphemeralTTL},
		{name: "public_url", usage: "base of every link steward hands out, e.g. https://steward.example.com (default: the listen address)", str: &c.PublicURL},
		{name: "download_ttl", usage: "lifetime of a one-time download link", dur: &c.DownloadTTL},
		{name: "audit_journal_delay", usage: "how long an audit event waits in the server's journal before it is chained into the database", dur: &c.AuditJournalDelay},
		{name: "audit_journal_sync", usage: "make each audited request wait until its event is on disk in the journal (survives a crash of the machine, not only of the process)", flag: &c.AuditJournalSync},
		{name: "tombstones", usage: "erasure tombstone file, replayed by restore (default DATA/erasure-tombstones)", str: &c.Tombstones},
		{name: "orphan_grace", usage: "age at which a blob without a file row, or a partial upload, is removed", dur: &c.OrphanGrace},
		{name: "webhook_interval", usage: "how often webhook deliveries look for new events and due retries", dur: &c.WebhookInterval},
		{name: "webhook_timeout", usage: "time limit of one webhook delivery attempt", dur: &c.WebhookTimeout},
		{name: "webhook_retry_scale", usage: "multiplies the webhook retry schedule 5s, 5m, 30m, 2h, 5h, 10h, 10h (tests compress it)", num: &c.WebhookRetryScale},
		{name: "webhook_allow_private", usage: "let webhooks reach loopback, private and link-local addresses", flag: &c.WebhookAllowPrivate},
		{name: "dev_mail", usage: "print outgoing mail (verification codes) to the terminal instead of sending it: development only", flag: &c.DevMail},
		{name: "requests_approval", usage: "rights request types that wait for a staff approval, e.g. erasure,access (default: none)", str: &c.RequestsApproval},
	}
}

// loadConfig builds the configuration from defaults, file, environment and
// flags; extra registers a command's own flags. It returns flag.ErrHelp after
// printing usage for -h, and the arguments left after the flags.
func loadConfig(name string, args []string, getenv func(string) string, out io.Writer, extra func(*flag.FlagSet)) (*Config, []string, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	if extra != nil {
		extra(fs)
	}
	configFile := fs.String("config", getenv("STEWARD_CONFIG"), "YAML configuration file (env STEWARD_CONFIG)")
	// Flags are parsed into a scratch Config so that only the flags actually
	// given override the lower layers.
	var fromFlags Config
	for _, f := range fromFlags.fields() {
		u := f.usage + " (env STEWARD_" + strings.ToUpper(f.name) + ")"
		flagName := strings.ReplaceAll(f.name, "_", "-")
		switch {
		case f.str != nil:
			fs.StringVar(f.str, flagName, "", u)
		case f.flag != nil:
			fs.BoolVar(f.flag, flagName, false, u)
		case f.dur != nil:
			fs.DurationVar(f.dur, flagName, 0, u)
		case f.num != nil:
			fs.Float64Var(f.num, flagName, 0, u)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if *configFile != "" {
		if err := cfg.loadFile(*configFile); err != nil {
			return nil, nil, err
		}
	}
	if err := cfg.loadEnv(getenv); err != nil {
		return nil, nil, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[strings.ReplaceAll(f.Name, "-", "_")] = true })
	dst, src := cfg.fields(), fromFlags.fields()
	for i := range dst {
		if !given[dst[i].name] {
			continue
		}
		switch {
		case dst[i].str != nil:
			*dst[i].str = *src[i].str
		case dst[i].flag != nil:
			*dst[i].flag = *src[i].flag
		case dst[i].dur != nil:
			*dst[i].dur = *src[i].dur
		case dst[i].num != nil:
			*dst[i].num = *src[i].num
		}
	}
	if cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = filepath.Join(cfg.Data, "master.key")
	}
	if cfg.Tombstones == "" {
		cfg.Tombstones = filepath.Join(cfg.Data, "erasure-tombstones")
	}
	return &cfg, fs.Args(), cfg.Validate()
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(b, c, yaml.Strict()); err != nil {
		return fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, true))
	}
	return nil
}

func (c *Config) loadEnv(getenv func(string) string) error {
	for _, f := range c.fields() {
		env := "STEWARD_" + strings.ToUpper(f.name)
		v, ok := getenv(env), getenv(env) != ""
		if f.secret {
			if file := getenv(env + "_FILE"); file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("%s_FILE: %w", env, err)
				}
				v, ok = strings.TrimSpace(string(b)), true
			}
		}
		if !ok {
			continue
		}
		switch {
		case f.str != nil:
			*f.str = v
		case f.flag != nil:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: must be true or false", env)
			}
			*f.flag = b
		case f.dur != nil:
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: must be a duration such as 15s", env)
			}
			*f.dur = d
		case f.num != nil:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s: must be a number", env)
			}
			*f.num = n
		}
	}
	return nil
}

// Validate checks the configuration, naming the bad field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, msg string) { errs = append(errs, fmt.Errorf("config: %s: %s", field, msg)) }
	if c.Data == "" {
		bad("data", "must name a folder")
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		bad("database", "must be empty (SQLite in the data folder) or a postgres:// URL")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		bad("listen", "must be host:port, e.g. 127.0.0.1:8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("listen", "port must be a number from 0 to 65535")
	} else if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert", "tls_cert and tls_key must be given together")
	} else if c.TLSCert == "" && !c.InsecureHTTP && !isLoopback(host) {
		bad("listen", "refusing plain HTTP on a non-loopback address: configure tls_cert and tls_key, or pass --insecure-http if a proxy terminates TLS")
	}
	switch c.MasterKeyProvider {
	case "", "keyfile", "pkcs11":
	default:
		bad("master_key_provider", "must be keyfile or pkcs11")
	}
	if c.Region == "" || strings.ToLower(c.Region) != c.Region {
		bad("region", "must be a lower-case region code such as us or eu")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "must be debug, info, warn or error")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("log_format", "must be json or text")
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown_timeout", "must be positive")
	}
	if c.RateLimitKey < 0 {
		bad("rate_limit_key", "must be 0 (no limit) or positive")
	}
	if c.RateLimitIP < 0 {
		bad("rate_limit_ip", "must be 0 (no limit) or positive")
	}
	if c.JobLease < time.Second {
		bad("job_lease", "must be at least 1s")
	}
	if c.JobInterval < time.Second {
		bad("job_interval", "must be at least 1s")
	}
	if c.NoticeBatch < 0 || c.NoticeBatch != float64(int(c.NoticeBatch)) {
		bad("notice_batch", "must be a whole number of notices, 0 for the default")
	}
	if c.NoticeRate < 0 {
		bad("notice_rate", "must be notices per second, 0 for no cap")
	}
	if c.EphemeralTTL < time.Second {
		bad("ephemeral_ttl", "must be at least 1s")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			bad("public_url", "must be an absolute http(s) URL without query, fragment or credentials, e.g. https://steward.example.com")
		}
	}
	if c.DownloadTTL < time.Second || c.DownloadTTL > 24*time.Hour {
		bad("download_ttl", "must be between 1s and 24h")
	}
	if c.AuditJournalDelay < time.Millisecond || c.AuditJournalDelay > time.Hour {
		bad("audit_journal_delay", "must be between 1ms and 1h")
	}
	if c.OrphanGrace < time.Second {
		bad("orphan_grace", "must be at least 1s")
	}
	if c.WebhookInterval < 100*time.Millisecond || c.WebhookInterval > time.Hour {
		bad("webhook_interval", "must be between 100ms and 1h")
	}
	if c.WebhookTimeout < 100*time.Millisecond || c.WebhookTimeout > 2*time.Minute {
		bad("webhook_timeout", "must be between 100ms and 2m")
	}
	if c.WebhookRetryScale <= 0 || c.WebhookRetryScale > 100 {
		bad("webhook_retry_scale", "must be above 0 and at most 100")
	}
	return errors.Join(errs...)
}

// isLoopback reports whether host names only the local machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// channel is a push channel for the tests, speaking no provider's protocol (those are issue 14's): it handles
// the platforms it is given, records every message, and answers each device's push with what fail says.
type channel struct {
	platforms []string
	mu        sync.Mutex
	sent      []push.Message
	// fail returns the result for a device's push; nil accepts every push.
	fail func(m push.Message) push.Result
}

func (c *channel) Handles(platform string) bool {
	for _, p := range c.platforms {
		if p == platform {
			return true
		}
	}
	return false
}

func (c *channel) Send(_ context.Context, msgs []push.Message) []push.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]push.Result, len(msgs))
	for i, m := range msgs {
		c.sent = append(c.sent, m)
		if c.fail != nil {
			out[i] = c.fail(m)
		}
	}
	return out
}

func (c *channel) devices() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int64
	for _, m := range c.sent {
		ids = append(ids, m.DeviceID)
	}
	return ids
}

// world is a migrated database with an SMTP server, and a Deliverer sending through them.
type world struct {
	t    *testing.T
	pool *pgxpool.Pool
	smtp *testsmtp.Server
	n    atomic.Int64
}

var key = []byte("0123456789abcdef0123456789abcdef")

func newWorld(t *testing.T) *world {
	return &world{t: t, pool: testdb.Pool(t), smtp: testsmtp.Start(t)}
}

func (w *world) deliverer(sender push.Sender) *delivery.Deliverer {
	m, err := mail.New(mail.Options{SMTPURL: w.smtp.URL, From: "Homekeep <no-reply@homekeep.test>",
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(w.t, err)
	return delivery.New(delivery.Deps{DB: w.pool, Mailer: m, Push: sender, Links: unsubscribe.NewWithKey(key),
		PublicURL: "https://homekeep.example.com", Logger: slog.New(slog.DiscardHandler)})
}

func (w *world) scalar(sql string, args ...any) int64 {
	w.t.Helper()
	var v int64
	require.NoError(w.t, w.pool.QueryRow(w.t.Context(), sql, args...).Scan(&v), sql)
	return v
}

// user is a verified account (unverified when verified is false) and its email address.
func (w *world) user(verified bool) (int64, string) {
	email := fmt.Sprintf("d%d-%d@example.com", time.Now().UnixNano(), w.n.Add(1))
	id := w.scalar(`INSERT INTO users (email, password_hash, first_name, email_verified_at)
		VALUES ($1, 'x', 'Robin', CASE WHEN $2 THEN now() END) RETURNING id`, email, verified)
	return id, email
}

func (w *world) device(user int64, platform string) int64 {
	return w.scalar(`INSERT INTO notification_devices (user_id, platform, token) VALUES ($1, $2, $3) RETURNING id`,
		user, platform, fmt.Sprintf("tok-%d-%d", user, w.n.Add(1)))
}

func (w *world) notify(user int64, kind string) int64 {
	return w.scalar(`INSERT INTO notifications (user_id, kind, title, body) VALUES ($1, $2, 'Service the <boiler>',
		'Alex assigned you "Service the boiler".') RETURNING id`, user, kind)
}

func (w *world) prefs(user int64, set string) {
	_, err := w.pool.Exec(w.t.Context(), `INSERT INTO notification_preferences SELECT $1::bigint, d.*, now()
		FROM notification_preference_defaults d`, user)
	require.NoError(w.t, err)
	_, err = w.pool.Exec(w.t.Context(), `UPDATE notification_preferences SET `+set+` WHERE user_id = $1`, user)
	require.NoError(w.t, err)
}

// log is the notification's delivery log as "channel device status attempt error" lines (device 0: none).
func (w *world) log(notification int64) []string {
	rows, err := w.pool.Query(w.t.Context(), `SELECT channel || ' ' || coalesce(device_id, 0) || ' ' || status || ' ' ||
		attempt || ' ' || error FROM notification_deliveries WHERE notification_id = $1 ORDER BY id`, notification)
	require.NoError(w.t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(w.t, err)
	for i := range got {
		got[i] = strings.TrimSpace(got[i])
	}
	return got
}

// jobs counts the notification_send jobs of a notification.
func (w *world) jobs(notification int64) int64 {
	return w.scalar(`SELECT count(*) FROM river_job WHERE kind = 'notification_send'
		AND (args->>'notification_id')::bigint = $1`, notification)
}

func TestSend(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	t.Run("EmailCarriesItsTextHTMLAndASignedUnsubscribeLink", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(true)
		n := w.notify(u, "task_assigned")
		require.EqualValues(t, 1, w.jobs(n), "the feed row enqueued its delivery")
		require.NoError(t, w.deliverer(nil).Send(t.Context(), n, 1))
		msg := w.smtp.Next(t, email)
		require.Equal(t, "Service the <boiler>", msg.Subject)
		require.Contains(t, msg.Text, "Hi Robin,")
		require.Contains(t, msg.Text, `Alex assigned you "Service the boiler".`)
		require.Contains(t, msg.HTML, "Service the &lt;boiler&gt;", "escaped in HTML")
		require.Equal(t, "List-Unsubscribe=One-Click", msg.Header.Get("List-Unsubscribe-Post"))
		link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
		require.True(t, strings.HasPrefix(link, "https://homekeep.example.com/api/notifications/unsubscribe?token="), link)
		require.Contains(t, msg.Text, link)
		parsed, err := url.Parse(link)
		require.NoError(t, err)
		c, err := unsubscribe.NewWithKey(key).Check(t.Context(), parsed.Query().Get("token"), time.Now())
		require.NoError(t, err)
		require.Equal(t, unsubscribe.Claims{UserID: u, Kind: "task_assigned", Expires: c.Expires}, c)
		require.WithinDuration(t, time.Now().Add(unsubscribe.Lifetime), c.Expires, time.Minute)
		require.Equal(t, []string{"email 0 sent 1"}, w.log(n))
	})

	t.Run("SwitchedOffPreferenceSendsNothing", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(true)
		w.device(u, push.PlatformIOS)
		w.prefs(u, "task_completed_push = false, task_completed_email = false")
		ch := &channel{platforms: []string{push.PlatformIOS}}
		n := w.notify(u, "task_completed")
		require.Zero(t, w.jobs(n), "no delivery is enqueued for a kind switched off")
		require.NoError(t, w.deliverer(ch).Send(t.Context(), n, 1), "a job enqueued before the switch")
		require.Empty(t, ch.devices())
		require.Zero(t, w.smtp.Count(email))
		require.Empty(t, w.log(n))
	})

	t.Run("OneSwitchOffSendsOnlyTheOther", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(true)
		dev := w.device(u, push.PlatformIOS)
		w.prefs(u, "member_joined_email = false")
		ch := &channel{platforms: []string{push.PlatformIOS}}
		n := w.notify(u, "member_joined")
		require.NoError(t, w.deliverer(ch).Send(t.Context(), n, 1))
		require.Equal(t, []int64{dev}, ch.devices())
		require.Zero(t, w.smtp.Count(email))
		require.Equal(t, []string{fmt.Sprintf("push %d sent 1", dev)}, w.log(n))
	})

	t.Run("UnverifiedAddressIsSkippedAndSaysWhy", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(false)
		n := w.notify(u, "task_overdue")
		require.NoError(t, w.deliverer(nil).Send(t.Context(), n, 1))
		require.Zero(t, w.smtp.Count(email))
		require.Equal(t, []string{"email 0 skipped 1 the email address is not verified"}, w.log(n))
	})

	t.Run("PushWithoutAChannelIsSkippedAndSaysWhy", func(t *testing.T) {
		t.Parallel()
		u, _ := w.user(false)
		w.prefs(u, "task_overdue_email = false")
		ios, web := w.device(u, push.PlatformIOS), w.device(u, push.PlatformWeb)
		n := w.notify(u, "task_overdue")
		require.NoError(t, w.deliverer(nil).Send(t.Context(), n, 1))
		ch := &channel{platforms: []string{push.PlatformIOS}}
		require.NoError(t, w.deliverer(ch).Send(t.Context(), n, 2))
		require.Equal(t, []int64{ios}, ch.devices())
		require.Equal(t, []string{
			fmt.Sprintf("push %d skipped 1 this server has no push channel configured", ios),
			fmt.Sprintf("push %d skipped 1 this server has no push channel configured", web),
			fmt.Sprintf("push %d sent 2", ios),
			fmt.Sprintf("push %d skipped 2 this server has no push channel for web devices", web),
		}, w.log(n))
	})

	t.Run("RetrySendsOnlyWhatFailedAndDeadDevicesAreDeactivated", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(true)
		ok, flaky, dead := w.device(u, push.PlatformIOS), w.device(u, push.PlatformAndroid), w.device(u, push.PlatformIOS)
		var down atomic.Bool
		down.Store(true)
		ch := &channel{platforms: []string{push.PlatformIOS, push.PlatformAndroid}, fail: func(m push.Message) push.Result {
			switch {
			case m.DeviceID == dead:
				return push.Result{Err: errors.New("410 Unregistered"), Dead: true}
			case m.DeviceID == flaky && down.Load():
				return push.Result{Err: errors.New("503 try later")}
			}
			return push.Result{}
		}}
		n := w.notify(u, "task_due_soon")
		d := w.deliverer(ch)
		err := d.Send(t.Context(), n, 1)
		require.ErrorIs(t, err, delivery.ErrRetry, "the flaky device is worth another attempt")
		w.smtp.Next(t, email)
		require.False(t, w.scalar(`SELECT is_active::int FROM notification_devices WHERE id = $1`, dead) == 1,
			"the dead device is deactivated")

		down.Store(false)
		require.NoError(t, d.Send(t.Context(), n, 2))
		require.Equal(t, []int64{ok, flaky, dead, flaky}, ch.devices(), "the second attempt pushes the flaky device only")
		require.Zero(t, w.smtp.Count(email), "the email is not sent twice")
		require.Equal(t, []string{
			"email 0 sent 1",
			fmt.Sprintf("push %d sent 1", ok),
			fmt.Sprintf("push %d failed 1 503 try later", flaky),
			fmt.Sprintf("push %d failed 1 device deactivated: 410 Unregistered", dead),
			fmt.Sprintf("push %d sent 2", flaky),
		}, w.log(n))
	})

	t.Run("PushCarriesTheItemTheBadgeAndTheDevicesLanguage", func(t *testing.T) {
		t.Parallel()
		u, _ := w.user(false)
		w.prefs(u, "task_due_soon_email = false")
		en, de := w.device(u, push.PlatformIOS), w.scalar(`INSERT INTO notification_devices (user_id, platform, token, locale)
			VALUES ($1, 'android', $2, 'de-AT') RETURNING id`, u, fmt.Sprintf("tok-de-%d", u))
		home := w.scalar(`INSERT INTO residences (owner_id, name) VALUES ($1, 'Home') RETURNING id`, u)
		task := w.scalar(`INSERT INTO tasks (residence_id, title) VALUES ($1, 'Clean gutters') RETURNING id`, home)
		w.notify(u, "task_overdue") // unread: the badge counts it
		n := w.scalar(`INSERT INTO notifications (user_id, kind, title, body, residence_id, task_id, params)
			VALUES ($1, 'task_due_soon', 'Due tomorrow: Clean gutters', '"Clean gutters" is due on 2026-06-11', $2, $3,
			'{"item": "Clean gutters", "date": "2026-06-11", "days": 1}') RETURNING id`, u, home, task)
		ch := &channel{platforms: []string{push.PlatformIOS, push.PlatformAndroid}}
		require.NoError(t, w.deliverer(ch).Send(t.Context(), n, 3))
		require.Len(t, ch.sent, 2)
		byDevice := map[int64]push.Message{ch.sent[0].DeviceID: ch.sent[0], ch.sent[1].DeviceID: ch.sent[1]}
		path := fmt.Sprintf("/tasks/%d", task)
		want := push.Message{ID: fmt.Sprintf("n%d-d%d-a3", n, en), DeviceID: en, Platform: push.PlatformIOS,
			Token: byDevice[en].Token, Title: "Due tomorrow: Clean gutters", Body: `"Clean gutters" is due on 2026-06-11`,
			Path: path, NotificationID: n, Kind: "task_due_soon", CollapseKey: fmt.Sprintf("task-%d", task), Badge: 2,
			Data: map[string]string{"kind": "task_due_soon", "path": path, "notification_id": fmt.Sprint(n)}}
		require.Equal(t, want, byDevice[en])
		require.Equal(t, "Morgen fällig: Clean gutters", byDevice[de].Title)
		require.Equal(t, "„Clean gutters“ ist am 11.06.2026 fällig", byDevice[de].Body)
	})

	t.Run("APermanentRefusalIsLoggedAndNotRetried", func(t *testing.T) {
		t.Parallel()
		u, _ := w.user(false)
		w.prefs(u, "task_assigned_email = false")
		dev := w.device(u, push.PlatformIOS)
		ch := &channel{platforms: []string{push.PlatformIOS}, fail: func(push.Message) push.Result {
			return push.Result{Err: errors.New("400 PayloadTooLarge"), Permanent: true}
		}}
		n := w.notify(u, "task_assigned")
		require.NoError(t, w.deliverer(ch).Send(t.Context(), n, 1), "nothing worth another attempt")
		require.Equal(t, []string{fmt.Sprintf("push %d failed 1 not retried: 400 PayloadTooLarge", dev)}, w.log(n))
		require.EqualValues(t, 1, w.scalar(`SELECT is_active::int FROM notification_devices WHERE id = $1`, dev), "still active")
	})

	t.Run("AServiceThatAsksToWaitIsWaitedFor", func(t *testing.T) {
		t.Parallel()
		u, _ := w.user(false)
		w.prefs(u, "task_assigned_email = false")
		w.device(u, push.PlatformIOS)
		ch := &channel{platforms: []string{push.PlatformIOS}, fail: func(push.Message) push.Result {
			return push.Result{Err: errors.New("429 too many requests"), RetryAfter: 90 * time.Second}
		}}
		err := w.deliverer(ch).Send(t.Context(), w.notify(u, "task_assigned"), 1)
		require.ErrorIs(t, err, delivery.ErrRetry)
		var wait interface{ RetryAfter() time.Duration }
		require.ErrorAs(t, err, &wait)
		require.Equal(t, 90*time.Second, wait.RetryAfter())
	})

	t.Run("GoneNotificationOrDeactivatedRecipientSendsNothing", func(t *testing.T) {
		t.Parallel()
		u, email := w.user(true)
		n := w.notify(u, "warranty_expiring")
		_, err := w.pool.Exec(t.Context(), `UPDATE users SET is_active = false WHERE id = $1`, u)
		require.NoError(t, err)
		require.NoError(t, w.deliverer(nil).Send(t.Context(), n, 1))
		require.NoError(t, w.deliverer(nil).Send(t.Context(), 1<<62, 1))
		require.Zero(t, w.smtp.Count(email))
		require.Empty(t, w.log(n))
	})
}

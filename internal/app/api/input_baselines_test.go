package api_test

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// inputUploadLimit is MAX_UPLOAD_SIZE for the input tests: small, so an over-large file is cheap to send.
const inputUploadLimit = 4096

// startInputInstance runs the instance the input tests send to: seeded reference data, emails to a test SMTP
// server (for verification and reset codes), and a small upload limit.
func startInputInstance(t *testing.T) (*apptest.Instance, *testsmtp.Server) {
	t.Helper()
	smtp := testsmtp.Start(t)
	g, withGoogle, registerGoogle := startGoogle(t)
	inst := apptest.Start(t, apptest.Options{AppleRoots: testAppleCA(t).Roots, Google: g.Endpoints(), Configure: func(c *config.Config) {
		apptest.WithSMTP(smtp)(c)
		withApple(c)  // App Store purchases on, trusting the package's test CA
		withGoogle(c) // Google Play purchases on, at the fake Google
		c.MaxUploadSize = inputUploadLimit
		c.Push.VAPIDSubject = "mailto:ops@homekeep.test" // Web Push on: getWebPushKey answers
	}})
	registerGoogle(inst)
	return inst, smtp
}

// inputFixture is what the baselines point at: real rows of a fresh database, each single-use target
// (a code, a reset token, a residence to transfer) of its own.
type inputFixture struct {
	owner, member  apptest.Account // owner of residence; member is its editor
	residenceID    int64
	taskID         int64
	contractorID   int64
	documentID     int64
	notificationID int64           // in owner's feed
	deviceID       int64           // owner's
	transferID     int64           // a residence of owner's that transferResidence hands to transferee
	transferee     apptest.Account // member of transferID
	joiner         apptest.Account // belongs to no residence; joins with joinCode
	joinCode       string          // a live code of a residence that createShareCode does not replace
	changer        apptest.Account // changes its password
	verifier       apptest.Account // verifies its email with verifyCode
	verifyCode     string
	resetEmail     string // has a live reset code, resetCode
	resetCode      string
	resetToken     string // of another account
	residenceType  int64
	categoryID     int64
	priorityID     int64
	frequencyID    int64
	specialtyID    int64
	templateID     int64
	completionDate string
	// unsubscribeToken is an unsubscribe link's token for owner's task_completed emails.
	unsubscribeToken string
	// buyer posts appleTransaction, an App Store transaction bound to its app_account_id; appleNotification
	// is a signed App Store notification (about a purchase no account has).
	buyer                               apptest.Account
	appleTransaction, appleNotification string
	// googlePurchase is a Google Play purchase token bound to buyer's app_account_id; googlePush a Pub/Sub
	// push of a test notification.
	googlePurchase string
	googlePush     map[string]any
}

// newInputFixture builds the fixture through the API.
func newInputFixture(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server) *inputFixture {
	t.Helper()
	f := &inputFixture{owner: inst.Register(t), member: inst.Register(t), transferee: inst.Register(t),
		joiner: inst.Register(t), changer: inst.Register(t), verifier: inst.Register(t)}
	f.completionDate = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)

	refs := apptest.Expect[client.StaticData](t, inst, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: f.owner.Token}, http.StatusOK)
	require.NotEmpty(t, refs.ResidenceTypes, "seeded reference data")
	f.residenceType, f.categoryID = refs.ResidenceTypes[0].ID, refs.TaskCategories[0].ID
	f.priorityID, f.frequencyID = refs.TaskPriorities[0].ID, refs.TaskFrequencies[0].ID
	f.specialtyID = refs.ContractorSpecialties[0].ID
	groups := apptest.Expect[[]client.TaskTemplateGroup](t, inst, apptest.Request{Method: http.MethodGet, Path: "/task-templates", Token: f.owner.Token}, http.StatusOK)
	require.NotEmpty(t, groups, "seeded task templates")
	f.templateID = groups[0].Templates[0].ID

	f.residenceID = apptest.CreateResidence(t, inst, f.owner, "Input House")
	apptest.Join(t, inst, f.member, apptest.ShareCode(t, inst, f.owner, f.residenceID, "editor"))
	f.transferID = apptest.CreateResidence(t, inst, f.owner, "Input Transfer")
	apptest.Join(t, inst, f.transferee, apptest.ShareCode(t, inst, f.owner, f.transferID, "editor"))
	f.joinCode = apptest.ShareCode(t, inst, f.owner, apptest.CreateResidence(t, inst, f.owner, "Input Join"), "viewer")

	f.contractorID = apptest.CreateContractor(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "name": "Pat Plumber"}).ID
	f.taskID = apptest.CreateTask(t, inst, f.owner, map[string]any{"residence_id": f.residenceID, "title": "Service the boiler"})
	f.documentID = apptest.Upload(t, inst, f.owner, f.residenceID, apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF}).ID

	apptest.DBQueryRow(t, inst, "INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'task_assigned', 'Input') RETURNING id",
		[]any{f.owner.ID}, &f.notificationID)
	f.deviceID = registerDevice(t, inst, f.owner)
	f.unsubscribeToken = unsubscribeToken(t, inst, f.owner.ID, "task_completed")
	f.buyer = inst.Register(t)
	f.appleTransaction, f.appleNotification = appleTokens(t, inst, f.buyer)
	f.googlePurchase, f.googlePush = googleTokens(t, inst, f.buyer)

	f.verifyCode = smtp.Next(t, f.verifier.Email).Code(t)
	resetCodeAcct, resetTokenAcct := inst.Register(t), inst.Register(t)
	f.resetEmail, f.resetCode = resetCodeAcct.Email, resetCode(t, inst, smtp, resetCodeAcct)
	f.resetToken = resetToken(t, inst, smtp, resetTokenAcct)
	return f
}

// unsubscribeToken signs a token of an unsubscribe link for user's emails of kind, with the key the server
// keeps in its database (made now when the server has not made it yet).
func unsubscribeToken(t *testing.T, inst *apptest.Instance, user int64, kind string) string {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), inst.DatabaseURL)
	require.NoError(t, err)
	defer pool.Close()
	tok, err := unsubscribe.New(delivery.SecretStore(pool)).Token(t.Context(), unsubscribe.Claims{UserID: user, Kind: kind,
		Expires: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	return tok
}

// registerDevice registers a new Android push token for acct and returns the device's id.
func registerDevice(t *testing.T, inst *apptest.Instance, acct apptest.Account) int64 {
	t.Helper()
	return apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost, Path: "/notifications/devices",
		Token: acct.Token, Body: map[string]any{"platform": "android", "token": "fcm-" + apptest.UniqueEmail()}}, http.StatusCreated).ID
}

// resetCode asks for a password reset for a newly registered account and returns the emailed code.
func resetCode(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server, acct apptest.Account) string {
	t.Helper()
	smtp.Next(t, acct.Email) // the verification email sent at registration
	r := inst.Do(t, apptest.Post("/auth/forgot-password", map[string]any{"email": acct.Email}))
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	return smtp.Next(t, acct.Email).Code(t)
}

// resetToken exchanges a reset code of a newly registered account for a reset token.
func resetToken(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server, acct apptest.Account) string {
	t.Helper()
	return apptest.Expect[client.ResetTokenResponse](t, inst, apptest.Post("/auth/verify-reset-code",
		map[string]any{"email": acct.Email, "code": resetCode(t, inst, smtp, acct)}), http.StatusOK).ResetToken
}

// inputBaseline is a valid request for one operation against the fixture. Mutations change one field of it.
type inputBaseline struct {
	Token string
	// PathParams fills the path template; Query is the query string.
	PathParams map[string]string
	Query      url.Values
	// JSON is the application/json body; Form and File the multipart/form-data one.
	JSON map[string]any
	Form map[string]string
	File *apptest.FilePart
	// Table is where the operation stores its numeric fields, RowID where the response has the row's id
	// ("id", "completion.id"), or "" for the path's id. NotStored lists numeric fields that are no column.
	Table, RowID string
	NotStored    []string
}

// path fills the operation's path template with the baseline's path parameters, overridden by over.
func (b inputBaseline) path(template string, over map[string]string) string {
	params := maps.Clone(b.PathParams)
	if params == nil {
		params = map[string]string{}
	}
	maps.Copy(params, over)
	for name, v := range params {
		template = strings.ReplaceAll(template, "{"+name+"}", v)
	}
	return template
}

func idText(v int64) string { return strconv.FormatInt(v, 10) }

// inputBaselines returns a valid request for every operation that takes a body or query parameters, by
// operationId. An operation of the spec missing here fails the input tests.
func inputBaselines(f *inputFixture) map[string]inputBaseline {
	owner := f.owner.Token
	residence := map[string]any{"name": "Lake House", "residence_type_id": f.residenceType, "street": "1 Shore Rd",
		"city": "Bergen", "state_province": "Vestland", "postal_code": "5003", "country": "Norway", "bedrooms": 3,
		"bathrooms": 1.5, "square_footage": 1400, "lot_size": 5200.25, "year_built": 1962, "description": "By the lake",
		"purchase_date": "2019-06-01", "purchase_price": 450000.5, "is_primary": true, "timezone": "Europe/Oslo"}
	task := map[string]any{"title": "Replace the filter", "description": "The big one", "category_id": f.categoryID,
		"priority_id": f.priorityID, "frequency_id": f.frequencyID, "assigned_to": f.owner.ID, "contractor_id": f.contractorID,
		"due_date": "2030-01-15", "estimated_cost": 120.5, "recurrence_anchor": "due_date"}
	contractor := map[string]any{"name": "Robin Roofer", "company": "Roofs Ltd", "phone": "+47 555 0100",
		"email": "robin@example.com", "website": "https://roofs.example.com", "address": "2 Hill St", "notes": "Call first",
		"rating": 4, "specialty_ids": []any{f.specialtyID}}
	document := map[string]any{"title": "Boiler warranty", "description": "Five years", "type": "warranty",
		"vendor": "Heatco", "model_number": "HC-200", "serial_number": "SN123", "purchase_date": "2024-01-10",
		"purchase_price": 2500.75, "expiry_date": "2029-01-10", "warranty_provider": "Heatco Care",
		"claim_phone": "+47 555 0199", "claim_url": "https://heatco.example.com/claims", "task_id": f.taskID}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := maps.Clone(m)
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	form := map[string]string{"residence_id": idText(f.residenceID)}
	for k, v := range document {
		switch v := v.(type) {
		case string:
			form[k] = v
		case int64:
			form[k] = idText(v)
		case float64:
			form[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	pdf := &apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF}
	residencePath := map[string]string{"id": idText(f.residenceID)}

	return map[string]inputBaseline{
		"register": {JSON: map[string]any{"email": apptest.UniqueEmail(), "password": apptest.TestPassword,
			"first_name": "Ada", "last_name": "Lovelace", "timezone": "Europe/London"}},
		"login": {JSON: map[string]any{"email": f.owner.Email, "password": apptest.TestPassword}},
		"updateMe": {Token: owner, JSON: map[string]any{"first_name": "Ada", "last_name": "King", "timezone": "Europe/Paris",
			"days_threshold": 14}, Table: "users", RowID: "id"},
		"changePassword":  {Token: f.changer.Token, JSON: map[string]any{"current_password": apptest.TestPassword, "new_password": "a new long password"}},
		"verifyEmail":     {Token: f.verifier.Token, JSON: map[string]any{"code": f.verifyCode}},
		"forgotPassword":  {JSON: map[string]any{"email": f.owner.Email}},
		"verifyResetCode": {JSON: map[string]any{"email": f.resetEmail, "code": f.resetCode}},
		"resetPassword":   {JSON: map[string]any{"reset_token": f.resetToken, "new_password": "a reset long password"}},

		"createResidence": {Token: owner, JSON: residence, Table: "residences", RowID: "id"},
		"updateResidence": {Token: owner, PathParams: residencePath, JSON: residence, Table: "residences"},
		"joinResidence":   {Token: f.joiner.Token, JSON: map[string]any{"code": f.joinCode}},
		"updateResidenceMember": {Token: owner, PathParams: map[string]string{"id": idText(f.residenceID), "user_id": idText(f.member.ID)},
			JSON: map[string]any{"role": "viewer"}},
		"transferResidence": {Token: owner, PathParams: map[string]string{"id": idText(f.transferID)},
			JSON: map[string]any{"user_id": f.transferee.ID}},
		"createShareCode": {Token: owner, PathParams: residencePath, JSON: map[string]any{"role": "viewer", "expires_in_hours": 48},
			NotStored: []string{"expires_in_hours"}},

		"getBoard":          {Token: owner, Query: url.Values{"days_threshold": {"7"}}},
		"getResidenceBoard": {Token: owner, PathParams: residencePath, Query: url.Values{"days_threshold": {"7"}}},
		"createTask": {Token: owner, JSON: with(task, "residence_id", f.residenceID, "template_id", f.templateID),
			Table: "tasks", RowID: "id"},
		"updateTask": {Token: owner, PathParams: map[string]string{"id": idText(f.taskID)}, JSON: task, Table: "tasks"},
		"completeTask": {Token: owner, PathParams: map[string]string{"id": idText(f.taskID)}, JSON: map[string]any{
			"completed_at": f.completionDate, "notes": "Done", "actual_cost": 99.99, "rating": 5, "contractor_id": f.contractorID},
			Table: "task_completions", RowID: "completion.id"},
		"listTaskTemplates": {Token: owner, Query: url.Values{"q": {"filter"}}},

		"listContractors": {Token: owner, Query: url.Values{"residence_id": {idText(f.residenceID)},
			"specialty_id": {idText(f.specialtyID)}, "q": {"robin"}}},
		"createContractor": {Token: owner, JSON: with(contractor, "residence_id", f.residenceID, "is_favorite", true),
			Table: "contractors", RowID: "id"},
		"updateContractor": {Token: owner, PathParams: map[string]string{"id": idText(f.contractorID)}, JSON: contractor,
			Table: "contractors"},

		"listDocuments": {Token: owner, Query: url.Values{"residence_id": {idText(f.residenceID)}, "type": {"warranty"},
			"q": {"boiler"}}},
		"listWarranties": {Token: owner, Query: url.Values{"expiring_within_days": {"30"}}},
		"createDocument": {Token: owner, JSON: with(document, "residence_id", f.residenceID), Form: form, File: pdf,
			Table: "documents", RowID: "id"},
		"updateDocument": {Token: owner, PathParams: map[string]string{"id": idText(f.documentID)}, JSON: document,
			Table: "documents"},
		"replaceDocumentFile": {Token: owner, PathParams: map[string]string{"id": idText(f.documentID)}, File: pdf},

		// reminder_hour is stored per user in notification_preferences, which has no id column to read it back
		// by; the notifications package's tests read it back through the API.
		"updateNotificationPreferences": {Token: owner, JSON: map[string]any{"task_completed": map[string]any{"push": true, "email": false},
			"reminder_hour": 8}, NotStored: []string{"reminder_hour"}},
		"registerNotificationDevice": {Token: owner, JSON: map[string]any{"platform": "web",
			"endpoint": "https://push.example.net/send/input", "keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"},
			"app_version": "2.4.0", "locale": "en-US"}},
		"listNotifications":  {Token: owner, Query: url.Values{"limit": {"10"}}},
		"updateNotification": {Token: owner, PathParams: map[string]string{"id": idText(f.notificationID)}, JSON: map[string]any{"read": true}},
		"getUnsubscribePage": {Query: url.Values{"token": {f.unsubscribeToken}}},
		"unsubscribe":        {Query: url.Values{"token": {f.unsubscribeToken}}},

		"applyApplePurchase":       {Token: f.buyer.Token, JSON: map[string]any{"signed_transaction": f.appleTransaction}},
		"receiveAppleNotification": {JSON: map[string]any{"signedPayload": f.appleNotification}},
		"applyGooglePurchase": {Token: f.buyer.Token,
			JSON: map[string]any{"product_id": "homekeep_pro", "purchase_token": f.googlePurchase}},
		"receiveGoogleNotification": {PathParams: map[string]string{"secret": googleSecret}, JSON: f.googlePush},
	}
}

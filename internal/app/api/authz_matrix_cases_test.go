package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/homekeep/homekeep/internal/apptest"
)

// matrixSecret returns a string no other test uses, starting with prefix, to look for in answers.
func matrixSecret(prefix string) string {
	return prefix + " " + strings.TrimSuffix(strings.TrimPrefix(apptest.UniqueEmail(), "user-"), "@example.com")
}

// householdTarget is the target every builder starts from: the household's residence, whose name and owner's
// email only its members may see.
func householdTarget(h apptest.Household) matrixTarget {
	return matrixTarget{params: map[string]any{"id": h.ResidenceID}, secrets: []string{h.Name, h.Owner.Email},
		ids: []int64{h.ResidenceID}}
}

// with returns the target with one more row: its id (also the path's id) and its secrets.
func (tg matrixTarget) with(id int64, secrets ...string) matrixTarget {
	tg.params = map[string]any{"id": id}
	tg.ids = append(tg.ids, id)
	tg.secrets = append(tg.secrets, secrets...)
	return tg
}

// matrixTask creates a task due in ten days in h, as its owner, and returns its id and secret title.
func matrixTask(t *testing.T, m *matrix, h apptest.Household) (int64, string) {
	t.Helper()
	title := matrixSecret("Secret chore")
	return apptest.CreateTask(t, m.a, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": title,
		"due_date": time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)}), title
}

// taskCase builds a task, runs setup actions on it as the owner ("cancel", "archive", ...), and targets it.
func taskCase(ok int, setup ...string) matrixCase {
	return matrixCase{ok: ok, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
		id, title := matrixTask(t, m, h)
		for _, action := range setup {
			r := m.a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/tasks/" + idText(id) + "/" + action, Token: h.Owner.Token})
			if r.Status != http.StatusOK {
				t.Fatalf("setting the task up with %s: %d %s", action, r.Status, r.Body)
			}
		}
		return householdTarget(h).with(id, title)
	}}
}

// completedTask creates a task with one completion whose notes are secret, and returns the target of the
// task and the completion's id.
func completedTask(t *testing.T, m *matrix, h apptest.Household) (matrixTarget, int64) {
	t.Helper()
	id, title := matrixTask(t, m, h)
	notes := matrixSecret("Secret notes")
	done := apptest.CompleteTask(t, m.a, h.Owner, id, map[string]any{"notes": notes})
	tg := householdTarget(h).with(id, title, notes)
	tg.ids = append(tg.ids, done.Completion.ID)
	return tg, done.Completion.ID
}

// matrixContractor creates a contractor of h's residence with a secret name and notes.
func matrixContractor(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
	t.Helper()
	name, notes := matrixSecret("Secret plumber"), matrixSecret("Secret notes")
	c := apptest.CreateContractor(t, m.a, h.Owner, map[string]any{"residence_id": h.ResidenceID, "name": name, "notes": notes})
	return householdTarget(h).with(c.ID, name, notes)
}

// matrixDocument uploads a PDF to h's residence under a secret name.
func matrixDocument(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
	t.Helper()
	name := matrixSecret("Secret manual") + ".pdf"
	d := apptest.Upload(t, m.a, h.Owner, h.ResidenceID, apptest.FilePart{Name: name, ContentType: "application/pdf", Content: apptest.TestPDF})
	return householdTarget(h).with(d.ID, name)
}

// matrixNotification puts a notification with a secret title in h's owner's feed.
func matrixNotification(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
	t.Helper()
	title := matrixSecret("Secret news")
	var id int64
	apptest.DBQueryRow(t, m.a, "INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'task_assigned', $2) RETURNING id",
		[]any{h.Owner.ID, title}, &id)
	tg := householdTarget(h).with(id, title)
	tg.self = h.Owner.ID
	return tg
}

// userCase is an operation on the caller's own account or lists: body makes its JSON body (nil for none),
// and the household gets a task, so that a stranger's list would show it if it leaked.
func userCase(ok int, body func(caller apptest.Account) any) matrixCase {
	return matrixCase{ok: ok, build: func(t *testing.T, m *matrix, h apptest.Household, caller apptest.Account) matrixTarget {
		_, title := matrixTask(t, m, h)
		tg := householdTarget(h)
		tg.secrets = append(tg.secrets, title)
		if body != nil {
			tg.body = body(caller)
		}
		return tg
	}}
}

// residenceCase targets the household's residence itself, with body as the JSON body.
func residenceCase(ok int, fresh bool, body func(h apptest.Household) any) matrixCase {
	return matrixCase{ok: ok, fresh: fresh, build: func(_ *testing.T, _ *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
		tg := householdTarget(h)
		if body != nil {
			tg.body = body(h)
		}
		return tg
	}}
}

// memberCase targets the household's viewer as a member (PATCH or DELETE /residences/{id}/members/{user_id}).
func memberCase(ok int, body any) matrixCase {
	return matrixCase{ok: ok, fresh: true, build: func(_ *testing.T, _ *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
		tg := householdTarget(h)
		tg.params["user_id"] = h.Viewer.ID
		tg.body, tg.self = body, h.Viewer.ID
		return tg
	}}
}

// matrixCases holds a target builder for every operation of api/openapi.yaml, by operationId.
func matrixCases() map[string]matrixCase {
	noBody := func(apptest.Account) any { return nil }
	publicCase := func(ok int, build func(t *testing.T, m *matrix, h apptest.Household) matrixTarget) matrixCase {
		return matrixCase{ok: ok, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			return build(t, m, h)
		}}
	}
	return map[string]matrixCase{
		// Accounts: public, or the caller's own account.
		"register": publicCase(http.StatusCreated, func(*testing.T, *matrix, apptest.Household) matrixTarget {
			return matrixTarget{body: map[string]any{"email": apptest.UniqueEmail(), "password": apptest.TestPassword}}
		}),
		"login": publicCase(http.StatusOK, func(_ *testing.T, _ *matrix, h apptest.Household) matrixTarget {
			return matrixTarget{body: map[string]any{"email": h.Stranger.Email, "password": apptest.TestPassword}}
		}),
		"forgotPassword": publicCase(http.StatusAccepted, func(_ *testing.T, _ *matrix, h apptest.Household) matrixTarget {
			return matrixTarget{body: map[string]any{"email": h.Stranger.Email}}
		}),
		// A wrong code and an unknown reset token: the handler is reached without a token, and refuses the code.
		"verifyResetCode": publicCase(http.StatusBadRequest, func(_ *testing.T, _ *matrix, h apptest.Household) matrixTarget {
			return matrixTarget{body: map[string]any{"email": h.Stranger.Email, "code": "000000"}}
		}),
		"resetPassword": publicCase(http.StatusBadRequest, func(*testing.T, *matrix, apptest.Household) matrixTarget {
			return matrixTarget{body: map[string]any{"reset_token": strings.Repeat("a", 43), "new_password": "a new long password"}}
		}),
		"logout":             userCase(http.StatusNoContent, noBody),
		"getMe":              userCase(http.StatusOK, noBody),
		"updateMe":           userCase(http.StatusOK, func(apptest.Account) any { return map[string]any{"first_name": "Changed"} }),
		"deleteMe":           userCase(http.StatusNoContent, noBody),
		"getBoard":           userCase(http.StatusOK, noBody),
		"resendVerification": userCase(http.StatusAccepted, noBody),
		"changePassword": userCase(http.StatusNoContent, func(apptest.Account) any {
			return map[string]any{"current_password": apptest.TestPassword, "new_password": "a new long password"}
		}),
		// A wrong code: the handler is reached, and refuses the code.
		"verifyEmail": userCase(http.StatusBadRequest, func(apptest.Account) any { return map[string]any{"code": "000000"} }),

		// Residences.
		"listResidences":  userCase(http.StatusOK, noBody),
		"createResidence": userCase(http.StatusCreated, func(apptest.Account) any { return map[string]any{"name": "Another house"} }),
		"joinResidence": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			// The code of another residence, whose owner hands it out: the household's secrets stay out of the answer.
			other := m.a.Register(t)
			rid := apptest.CreateResidence(t, m.a, other, "Open house")
			tg := householdTarget(h)
			tg.body = map[string]any{"code": apptest.ShareCode(t, m.a, other, rid, "viewer")}
			return tg
		}},
		"getResidence":          residenceCase(http.StatusOK, false, nil),
		"listResidenceMembers":  residenceCase(http.StatusOK, false, nil),
		"updateResidence":       residenceCase(http.StatusOK, false, func(apptest.Household) any { return map[string]any{"description": "changed"} }),
		"deleteResidence":       residenceCase(http.StatusNoContent, true, nil),
		"createShareCode":       residenceCase(http.StatusCreated, false, func(apptest.Household) any { return map[string]any{"role": "viewer"} }),
		"transferResidence":     residenceCase(http.StatusOK, true, func(h apptest.Household) any { return map[string]any{"user_id": h.Editor.ID} }),
		"updateResidenceMember": memberCase(http.StatusOK, map[string]any{"role": "editor"}),
		"removeResidenceMember": memberCase(http.StatusNoContent, nil),

		// Tasks and completions.
		"createTask": residenceCase(http.StatusCreated, false, func(h apptest.Household) any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "New chore"}
		}),
		"getResidenceBoard": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			id, title := matrixTask(t, m, h)
			tg := householdTarget(h)
			tg.ids, tg.secrets = append(tg.ids, id), append(tg.secrets, title)
			return tg
		}},
		"getTask": taskCase(http.StatusOK),
		"updateTask": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg := taskCase(0).build(t, m, h, apptest.Account{})
			tg.body = map[string]any{"description": "changed"}
			return tg
		}},
		"deleteTask":    taskCase(http.StatusNoContent),
		"startTask":     taskCase(http.StatusOK),
		"stopTask":      taskCase(http.StatusOK, "in-progress"),
		"cancelTask":    taskCase(http.StatusOK),
		"uncancelTask":  taskCase(http.StatusOK, "cancel"),
		"archiveTask":   taskCase(http.StatusOK),
		"unarchiveTask": taskCase(http.StatusOK, "archive"),
		"listCompletions": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg, _ := completedTask(t, m, h)
			return tg
		}},
		"completeTask": {ok: http.StatusCreated, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg := taskCase(0).build(t, m, h, apptest.Account{})
			tg.body = map[string]any{"notes": "done"}
			return tg
		}},
		"deleteCompletion": {ok: http.StatusNoContent, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg, completion := completedTask(t, m, h)
			tg.params = map[string]any{"id": completion}
			return tg
		}},
		"listTaskTemplates": userCase(http.StatusOK, noBody),
		"getStaticData":     userCase(http.StatusOK, noBody),

		// Contractors.
		"listContractors": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			return matrixContractor(t, m, h)
		}},
		"createContractor": residenceCase(http.StatusCreated, false, func(h apptest.Household) any {
			return map[string]any{"residence_id": h.ResidenceID, "name": "New plumber"}
		}),
		"getContractor":            contractorCase(http.StatusOK, nil),
		"updateContractor":         contractorCase(http.StatusOK, map[string]any{"notes": "changed"}),
		"deleteContractor":         contractorCase(http.StatusNoContent, nil),
		"toggleContractorFavorite": contractorCase(http.StatusOK, nil),
		"listContractorTasks":      contractorCase(http.StatusOK, nil),

		// Documents.
		"listDocuments": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			return matrixDocument(t, m, h)
		}},
		"listWarranties": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			title := matrixSecret("Secret warranty")
			d := apptest.CreateDocument(t, m.a, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": title,
				"type": "warranty", "expiry_date": time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)})
			return householdTarget(h).with(d.ID, title)
		}},
		"createDocument": residenceCase(http.StatusCreated, false, func(h apptest.Household) any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "New receipt", "type": "receipt"}
		}),
		"getDocument":     documentCase(http.StatusOK, nil),
		"getDocumentFile": documentCase(http.StatusOK, nil),
		"updateDocument":  documentCase(http.StatusOK, map[string]any{"description": "changed"}),
		"deleteDocument":  documentCase(http.StatusNoContent, nil),
		"replaceDocumentFile": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg := matrixDocument(t, m, h)
			tg.file = &apptest.FilePart{Name: "replacement.pdf", ContentType: "application/pdf", Content: apptest.TestPDF}
			return tg
		}},

		// Notifications: the caller's own, or another user's (404).
		"getNotificationPreferences": userCase(http.StatusOK, noBody),
		"updateNotificationPreferences": userCase(http.StatusOK, func(apptest.Account) any {
			return map[string]any{"reminder_hour": 8}
		}),
		"listNotificationDevices": userCase(http.StatusOK, noBody),
		"registerNotificationDevice": userCase(http.StatusCreated, func(apptest.Account) any {
			return map[string]any{"platform": "android", "token": "fcm-" + apptest.UniqueEmail()}
		}),
		"listNotifications": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			return matrixNotification(t, m, h)
		}},
		"getUnreadNotificationCount": userCase(http.StatusOK, noBody),
		"sendTestNotification":       userCase(http.StatusOK, noBody),
		"markAllNotificationsRead":   userCase(http.StatusNoContent, noBody),
		"getNotification": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			return matrixNotification(t, m, h)
		}},
		"updateNotification": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg := matrixNotification(t, m, h)
			tg.body = map[string]any{"read": true}
			return tg
		}},
		"deleteNotificationDevice": {ok: http.StatusNoContent, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
			tg := householdTarget(h).with(registerDevice(t, m.a, h.Owner))
			tg.self = h.Owner.ID
			return tg
		}},
		"getUnsubscribePage": publicCase(http.StatusOK, func(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
			return matrixTarget{query: "?token=" + unsubscribeToken(t, m.a, h.Owner.ID, "task_completed")}
		}),
		"unsubscribe": publicCase(http.StatusOK, func(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
			return matrixTarget{query: "?token=" + unsubscribeToken(t, m.a, h.Owner.ID, "task_completed")}
		}),
		"getWebPushKey": publicCase(http.StatusOK, func(*testing.T, *matrix, apptest.Household) matrixTarget { return matrixTarget{} }),

		// Subscriptions: the caller's own purchases; the stores' notifications authenticate themselves.
		"getSubscription": userCase(http.StatusOK, noBody),
		"applyApplePurchase": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, caller apptest.Account) matrixTarget {
			tx, _ := appleTokens(t, m.a, caller)
			tg := householdTarget(h)
			tg.body = map[string]any{"signed_transaction": tx}
			return tg
		}},
		"applyGooglePurchase": {ok: http.StatusOK, build: func(t *testing.T, m *matrix, h apptest.Household, caller apptest.Account) matrixTarget {
			token, _ := googleTokens(t, m.a, caller)
			tg := householdTarget(h)
			tg.body = map[string]any{"product_id": "homekeep_pro", "purchase_token": token}
			return tg
		}},
		"receiveAppleNotification": publicCase(http.StatusOK, func(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
			_, notification := appleTokens(t, m.a, h.Stranger)
			return matrixTarget{body: map[string]any{"signedPayload": notification}}
		}),
		"receiveGoogleNotification": publicCase(http.StatusNoContent, func(t *testing.T, m *matrix, h apptest.Household) matrixTarget {
			_, push := googleTokens(t, m.a, h.Stranger)
			return matrixTarget{params: map[string]any{"secret": googleSecret}, body: push}
		}),
	}
}

// contractorCase targets a contractor of the household's residence, with body as the JSON body.
func contractorCase(ok int, body any) matrixCase {
	return matrixCase{ok: ok, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
		tg := matrixContractor(t, m, h)
		tg.body = body
		return tg
	}}
}

// documentCase targets a document (with a file) of the household's residence, with body as the JSON body.
func documentCase(ok int, body any) matrixCase {
	return matrixCase{ok: ok, build: func(t *testing.T, m *matrix, h apptest.Household, _ apptest.Account) matrixTarget {
		tg := matrixDocument(t, m, h)
		tg.body = body
		return tg
	}}
}

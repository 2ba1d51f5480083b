package api

import (
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/contractors"
	"github.com/homekeep/homekeep/internal/app/documents"
	"github.com/homekeep/homekeep/internal/app/idempotency"
	"github.com/homekeep/homekeep/internal/app/notifications"
	"github.com/homekeep/homekeep/internal/app/reference"
	"github.com/homekeep/homekeep/internal/app/residences"
	"github.com/homekeep/homekeep/internal/app/store"
	"github.com/homekeep/homekeep/internal/app/subscriptions"
	"github.com/homekeep/homekeep/internal/app/tasks"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Handlers are the operation groups' handlers the API is made of, one per x-ogen-operation-group of
// api/openapi.yaml.
type Handlers struct {
	// Accounts also authenticates every request that needs a token (it is ogen's SecurityHandler).
	Accounts      *accounts.Handler
	Residences    *residences.Handler
	Tasks         *tasks.Handler
	Contractors   *contractors.Handler
	Documents     *documents.Handler
	Reference     *reference.Handler
	Notifications *notifications.Handler
	Subscriptions *subscriptions.Handler
	Store         *store.Handler
	// Idempotency, when set, guards the keyed creates (its Middleware runs last); the server must then be
	// served through its Wrap.
	Idempotency *idempotency.Keys
}

// handler is the whole oas.Handler: every group's handler, embedded. Embedding the generated group
// interfaces (rather than the group types, which are all named Handler) keeps each operation's method
// promoted from exactly one group.
type handler struct {
	oas.AccountsHandler
	oas.ContractorsHandler
	oas.DocumentsHandler
	oas.NotificationsHandler
	oas.ReferenceHandler
	oas.ResidencesHandler
	oas.StoreHandler
	oas.SubscriptionsHandler
	oas.TasksHandler
}

var _ oas.Handler = (*handler)(nil)

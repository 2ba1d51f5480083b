package client_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestClientAgainstAnInstance runs the package examples' calls against a real instance: the base URL with
// /api, BearerToken, WithClient, answers as typed results (a 404 as *NotFoundHeaders, any error as an
// ErrorResponse), and validation before sending.
func TestClientAgainstAnInstance(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	email := apptest.UniqueEmail()

	anonymous, err := client.NewClient(inst.API, client.BearerToken(""), client.WithClient(inst.Client))
	require.NoError(t, err)
	registered, err := anonymous.Register(ctx, &client.RegisterRequest{Email: email, Password: apptest.TestPassword})
	require.NoError(t, err)
	require.IsType(t, &client.AuthResponse{}, registered)
	again, err := anonymous.Register(ctx, &client.RegisterRequest{Email: email, Password: apptest.TestPassword})
	require.NoError(t, err, "a declared error status is a result, not a Go error")
	taken, ok := again.(*client.ConflictHeaders)
	require.True(t, ok, "got %T, want *client.ConflictHeaders", again)
	require.Equal(t, "email_taken", taken.Response.Error.Code)
	require.NotEmpty(t, taken.XRequestID)

	res, err := anonymous.Login(ctx, &client.LoginRequest{Email: email, Password: apptest.TestPassword})
	require.NoError(t, err)
	auth, ok := res.(*client.AuthResponse)
	require.True(t, ok, "got %T", res)
	require.NotEmpty(t, auth.Token)
	_, err = anonymous.ListResidences(ctx)
	require.Error(t, err, "an operation that needs a token fails without one")

	var sent atomic.Int64
	counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		return inst.Client.Transport.RoundTrip(r)
	})}
	c, err := client.NewClient(inst.API, client.BearerToken(auth.Token), client.WithClient(counting))
	require.NoError(t, err)
	me, err := c.GetMe(ctx)
	require.NoError(t, err)
	require.Equal(t, email, me.(*client.User).Email)

	created, err := c.CreateResidence(ctx, &client.ResidenceCreate{Name: "Home", Bedrooms: client.NewOptInt32(3)}, client.CreateResidenceParams{})
	require.NoError(t, err)
	home, ok := created.(*client.Residence)
	require.True(t, ok, "got %T", created)
	require.Equal(t, "Home", home.Name)
	require.Equal(t, int32(3), home.Bedrooms.Value)
	got, err := c.GetResidence(ctx, client.GetResidenceParams{ID: home.ID})
	require.NoError(t, err)
	require.Equal(t, home.ID, got.(*client.Residence).ID)

	missing, err := c.GetResidence(ctx, client.GetResidenceParams{ID: home.ID + 1_000_000})
	require.NoError(t, err)
	notFound, ok := missing.(*client.NotFoundHeaders)
	require.True(t, ok, "got %T, want *client.NotFoundHeaders", missing)
	require.Equal(t, "not_found", notFound.Response.Error.Code)
	var answer client.ErrorResponse = notFound
	require.Equal(t, "not_found", answer.GetResponse().Error.Code)

	before := sent.Load()
	_, err = c.CreateResidence(ctx, &client.ResidenceCreate{Name: ""}, client.CreateResidenceParams{})
	require.Error(t, err, "an empty name breaks the spec's minLength: the client refuses it itself")
	require.Equal(t, before, sent.Load(), "no request was sent")
}

// roundTripFunc lets a function be an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

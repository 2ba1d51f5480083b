package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestClientAgainstAnInstance runs the package examples' calls against a real instance: the base URL with
// /api, BearerToken, WithClient, an error answer as *ErrorStatusCode, and validation before sending.
func TestClientAgainstAnInstance(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	email := apptest.UniqueEmail()

	anonymous, err := client.NewClient(inst.API, client.BearerToken(""), client.WithClient(inst.Client))
	require.NoError(t, err)
	_, err = anonymous.Register(ctx, &client.RegisterRequest{Email: email, Password: apptest.TestPassword})
	require.NoError(t, err)
	auth, err := anonymous.Login(ctx, &client.LoginRequest{Email: email, Password: apptest.TestPassword})
	require.NoError(t, err)
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
	require.Equal(t, email, me.Email)

	home, err := c.CreateResidence(ctx, &client.ResidenceCreate{Name: "Home", Bedrooms: client.NewOptInt32(3)})
	require.NoError(t, err)
	require.Equal(t, "Home", home.Name)
	require.Equal(t, int32(3), home.Bedrooms.Value)
	got, err := c.GetResidence(ctx, client.GetResidenceParams{ID: home.ID})
	require.NoError(t, err)
	require.Equal(t, home.ID, got.ID)

	_, err = c.GetResidence(ctx, client.GetResidenceParams{ID: home.ID + 1_000_000})
	var apiErr *client.ErrorStatusCode
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	require.Equal(t, "not_found", apiErr.Response.Error.Code)

	before := sent.Load()
	_, err = c.CreateResidence(ctx, &client.ResidenceCreate{Name: ""})
	require.Error(t, err, "an empty name breaks the spec's minLength")
	require.False(t, errors.As(err, &apiErr), "the client refuses it itself: %v", err)
	require.Equal(t, before, sent.Load(), "no request was sent")
}

// roundTripFunc lets a function be an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

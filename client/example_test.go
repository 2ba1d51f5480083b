package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/homekeep/homekeep/client"
)

// A client without a token logs in; a second one sends the token on every call. The base URL includes /api.
func ExampleNewClient() {
	ctx := context.Background()
	const api = "https://homekeep.example.com/api"

	anonymous, err := client.NewClient(api, client.BearerToken(""))
	if err != nil {
		log.Fatal(err)
	}
	auth, err := anonymous.Login(ctx, &client.LoginRequest{Email: "me@example.com", Password: "correct horse battery"})
	if err != nil {
		log.Fatal(err)
	}

	c, err := client.NewClient(api, client.BearerToken(auth.Token))
	if err != nil {
		log.Fatal(err)
	}
	home, err := c.CreateResidence(ctx, &client.ResidenceCreate{Name: "Home", Bedrooms: client.NewOptInt32(3)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(home.ID, home.Name)
}

// Error answers come back as *client.ErrorStatusCode, with the status and the API's Error body.
func ExampleErrorStatusCode() {
	c, err := client.NewClient("https://homekeep.example.com/api", client.BearerToken("a token"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.GetResidence(context.Background(), client.GetResidenceParams{ID: 42})
	var apiErr *client.ErrorStatusCode
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		fmt.Println("no such residence:", apiErr.Response.Error.Message)
	}
}

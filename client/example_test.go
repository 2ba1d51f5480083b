package client_test

import (
	"context"
	"fmt"
	"log"

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
	res, err := anonymous.Login(ctx, &client.LoginRequest{Email: "me@example.com", Password: "correct horse battery"})
	if err != nil {
		log.Fatal(err)
	}
	auth, ok := res.(*client.AuthResponse)
	if !ok {
		log.Fatalf("not signed in: %+v", res)
	}

	// WithIdempotencyKeys: each create carries an Idempotency-Key, and a create whose answer was lost is sent
	// again with the same key, so it is done once.
	c, err := client.NewClient(api, client.BearerToken(auth.Token), client.WithIdempotencyKeys(nil))
	if err != nil {
		log.Fatal(err)
	}
	created, err := c.CreateResidence(ctx, &client.ResidenceCreate{Name: "Home", Bedrooms: client.NewOptInt32(3)}, client.CreateResidenceParams{})
	if err != nil {
		log.Fatal(err)
	}
	if home, ok := created.(*client.Residence); ok {
		fmt.Println(home.ID, home.Name)
	}
}

// Each answer the spec declares comes back as its own type: the task, a 404 as *client.NotFoundHeaders, and
// any error answer as a client.ErrorResponse with the API's ApiError body. A Go error means no declared
// answer came back.
func ExampleErrorResponse() {
	c, err := client.NewClient("https://homekeep.example.com/api", client.BearerToken("a token"))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.GetTask(context.Background(), client.GetTaskParams{ID: 42})
	if err != nil {
		log.Fatal(err)
	}
	switch res := res.(type) {
	case *client.Task:
		fmt.Println(res.Title, "is", res.Column)
	case *client.NotFoundHeaders:
		fmt.Println("no such task:", res.Response.Error.Message)
	case client.ErrorResponse:
		fmt.Println(res.GetResponse().Error.Code, "in request", res.GetXRequestID())
	}
}

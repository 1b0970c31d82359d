package client_test

// These examples follow the README's walkthrough. They need a running
// server (`steward serve` prints its URL and an admin key), so they are
// compiled but not run; internal/blackbox/client_test.go runs the same
// steps against the real binary.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/steward-privacy/steward/client"
)

// The bootstrap admin key creates a narrow key for the application.
func Example() {
	ctx := context.Background()
	admin, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("STEWARD_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	who, err := admin.WhoAmI(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tenant", who.TenantID, "scopes", who.Scopes)

	key, err := admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "app backend",
		Scopes: []string{"records:read", "records:write", "files:read", "files:write"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("store this key now:", key.Secret)
}

// Personal data: a subject, a record, a purpose-checked read, a file, an
// erasure.
func Example_walkthrough() {
	ctx := context.Background()
	app, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("STEWARD_APP_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	sub, err := app.CreateSubject(ctx, client.NewSubject{ExternalID: "user-42", Email: "ada@example.org"})
	if err != nil {
		log.Fatal(err)
	}
	if err := app.PutRecord(ctx, sub.ID, "user.content.prompt", "a red sneaker on a beach"); err != nil {
		log.Fatal(err)
	}

	// Every read names a purpose; the policy decides and the audit log
	// records it.
	v, err := app.GetRecord(ctx, sub.ID, "user.content.prompt", client.Access{Purpose: "essential.service"})
	if err != nil {
		log.Fatal(err)
	}
	var prompt string
	if err := v.Decode(&prompt); err != nil {
		log.Fatal(err)
	}
	fmt.Println("prompt:", prompt)

	// A prohibited purpose is refused with the reasons.
	_, err = app.GetRecord(ctx, sub.ID, "user.content.prompt", client.Access{Purpose: "train_ai_system"})
	var denied *client.Error
	if errors.As(err, &denied) && denied.Code == client.EFORBIDDEN {
		fmt.Println("denied:", denied.Reasons)
	}

	// Files stream in both directions; nothing is held in memory.
	photo, err := os.Open("photo.jpg")
	if err != nil {
		log.Fatal(err)
	}
	f, err := app.UploadFile(ctx, sub.ID, client.Upload{Category: "user.content.product_image"}, photo)
	if err != nil {
		log.Fatal(err)
	}
	d, err := app.DownloadFile(ctx, f.ID, client.Access{Purpose: "essential.service"})
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create("photo-copy.jpg")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(out, d); err != nil { // fails with ErrChecksum on altered bytes
		log.Fatal(err)
	}
	d.Close()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}

	// Erasure destroys the subject's key and data and returns the evidence.
	ev, err := app.EraseSubject(ctx, sub.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("key destroyed:", ev.DataKeyDestroyed, "records deleted:", ev.RecordsDeleted)
}

// Errors carry steward's code: test it with IsCode.
func ExampleIsCode() {
	ctx := context.Background()
	app, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("STEWARD_APP_KEY")))
	_, err := app.FindSubject(ctx, client.SubjectLookup{ExternalID: "user-42"})
	switch {
	case client.IsCode(err, client.ENOTFOUND):
		fmt.Println("no such user yet")
	case err != nil:
		log.Fatal(err) // the message names the code, the fields at fault and the request id
	}
}

// Personal data in a prompt is replaced before it reaches a model, and
// restored in the model's answer.
func ExampleClient_Pseudonymize() {
	ctx := context.Background()
	pii, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("STEWARD_PII_KEY")))
	p, err := pii.Pseudonymize(ctx, client.Pseudonymize{ConversationID: "conv-1",
		Text: "Mail jane@example.org about the order"})
	if err != nil {
		log.Fatal(err)
	}
	answer := "Done. " + p.Text // a model's answer keeps the placeholders
	r, err := pii.Reidentify(ctx, client.Reidentify{ConversationID: "conv-1", Text: answer})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Text, r.Restored)
}

// A staff member signs in; the client keeps the session.
func ExampleClient_Login() {
	ctx := context.Background()
	console, _ := client.New("http://127.0.0.1:8080")
	_, err := console.Login(ctx, client.Login{TenantID: "ten_...", Email: "dpo@example.org",
		Password: os.Getenv("STAFF_PASSWORD"), Code: "123456"})
	if err != nil {
		log.Fatal(err)
	}
	defer console.Logout(ctx)
	staff, err := console.ListStaff(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(staff), "staff accounts")
}

// The audit log, exported for an auditor who verifies it offline.
func ExampleClient_ExportAudit() {
	ctx := context.Background()
	auditor, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("STEWARD_KEY")))
	out, err := os.Create("audit.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	events := 0
	for line, err := range auditor.ExportAudit(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		if line.Type == "event" {
			events++
		}
		out.Write(append(line.Raw, '\n'))
	}
	fmt.Println(events, "events exported")
}

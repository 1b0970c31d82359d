package policy_test

import (
	"fmt"

	"github.com/steward-privacy/steward/policy"
)

func ExampleDecider_Decide() {
	p, err := policy.Load("../examples/ad-asset-studio.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := policy.Compile(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := policy.Request{
		Purpose:    "essential.service.generation",
		Categories: []string{"user.content.product_image", "user.content.prompt"},
		Actor:      policy.ActorService,
		Processor:  "kestrel-video",
		Subject: policy.SubjectState{Consents: []policy.Consent{
			{Purpose: "essential.service.generation", Granted: true},
		}},
	}
	dec := d.Decide(&r)
	fmt.Println(dec.Allowed, dec.Obligations.Names())

	r.Purpose = "train_ai_system"
	dec = d.Decide(&r)
	fmt.Println(dec.Allowed, dec.Codes())
	// Output:
	// true [no_training user_visible_only]
	// false [purpose_not_declared prohibited processor_purpose_not_allowed]
}

package ecr

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// defaultKeepImages is the API default of spec.repository.keepImages.
const defaultKeepImages = 30

// The lifecycle policy document (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).
type lifecyclePolicyDoc struct {
	Rules []lifecycleRule `json:"rules"`
}

type lifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description,omitempty"`
	Selection    lifecycleSelection `json:"selection"`
	Action       lifecycleAction    `json:"action"`
}

type lifecycleSelection struct {
	TagStatus   string `json:"tagStatus"`
	CountType   string `json:"countType"`
	CountUnit   string `json:"countUnit,omitempty"`
	CountNumber int32  `json:"countNumber"`
}

type lifecycleAction struct {
	Type string `json:"type"`
}

// lifecyclePolicy is the policy of spec.repository: untagged images expire a day after
// they were pushed, and of all images only the newest keepImages are kept. The "any" rule
// must have the highest rulePriority (it is evaluated last), as ECR requires.
func lifecyclePolicy(spec v1alpha1.RepositorySpec) string {
	keep := keepImages(spec)
	doc := lifecyclePolicyDoc{Rules: []lifecycleRule{
		{
			RulePriority: 1,
			Description:  "Expire untagged images after 1 day",
			Selection:    lifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 1},
			Action:       lifecycleAction{Type: "expire"},
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("Keep the last %d images", keep),
			Selection:    lifecycleSelection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep},
			Action:       lifecycleAction{Type: "expire"},
		},
	}}
	b, _ := json.Marshal(doc) // cannot fail: plain structs
	return string(b)
}

// samePolicy compares two lifecycle policies by meaning: whitespace, key order, number
// spelling and the order of rules (ECR orders them by rulePriority) do not matter.
func samePolicy(a, b string) bool {
	na, errA := normalizePolicy(a)
	nb, errB := normalizePolicy(b)
	return errA == nil && errB == nil && reflect.DeepEqual(na, nb)
}

func normalizePolicy(text string) (any, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if rules, ok := doc["rules"].([]any); ok {
		sort.SliceStable(rules, func(i, j int) bool { return priority(rules[i]) < priority(rules[j]) })
		for _, r := range rules {
			if m, ok := r.(map[string]any); ok {
				delete(m, "description") // documentation only
			}
		}
	}
	return doc, nil
}

func priority(rule any) float64 {
	if m, ok := rule.(map[string]any); ok {
		if p, ok := m["rulePriority"].(float64); ok {
			return p
		}
	}
	return 0
}

// reconcileLifecyclePolicy puts the policy when it is missing or means something else.
func (p *pass) reconcileLifecyclePolicy(ctx context.Context) error {
	name := aws.ToString(p.repo.RepositoryName)
	want := lifecyclePolicy(p.fd.Spec.Repository)
	out, err := p.ecr.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: p.repo.RepositoryName})
	missing := cloud.IsNotFound(err)
	switch {
	case missing:
		if !p.MayWrite(true, "lifecycle policy of repository %s", name) {
			return nil
		}
	case err != nil:
		return fmt.Errorf("get lifecycle policy of repository %s: %w", name, err)
	case samePolicy(want, aws.ToString(out.LifecyclePolicyText)):
		return nil
	case !p.MayWrite(false, "lifecycle policy of repository %s differs from the spec (keep %d images, untagged 1 day)", name, keepImages(p.fd.Spec.Repository)):
		return nil
	}
	if _, err := p.ecr.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{
		RepositoryName: p.repo.RepositoryName, LifecyclePolicyText: aws.String(want),
	}); err != nil {
		return fmt.Errorf("put lifecycle policy of repository %s: %w", name, err)
	}
	switch {
	case !missing:
		p.Drift(ctx, "lifecycle policy of repository %s differed from the spec (keep %d images, untagged 1 day); restored", name, keepImages(p.fd.Spec.Repository))
	// A repository created in this pass has no policy yet: that is set-up, not drift.
	case p.created || !p.Drift(ctx, "lifecycle policy of repository %s was missing; restored", name):
		p.Created(ctx, kindLifecyclePolicy, name)
	}
	return nil
}

func keepImages(spec v1alpha1.RepositorySpec) int32 {
	if spec.KeepImages <= 0 {
		return defaultKeepImages
	}
	return spec.KeepImages
}

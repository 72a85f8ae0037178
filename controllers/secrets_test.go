package controllers

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

func TestCheckSecrets(t *testing.T) {
	const (
		sm  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
		ssm = "arn:aws:ssm:eu-west-1:123456789012:parameter/"
	)
	for _, tc := range []struct {
		name     string
		prefixes []string
		secrets  []string
		refused  []string // the entries the error names; nil: allowed
	}{
		{name: "no secrets"},
		{name: "own secret and parameter", secrets: []string{sm + "flaskops/shop/db-AbCdEf", ssm + "flaskops/shop/api/key"}},
		{name: "a secret's JSON key and version", secrets: []string{sm + "flaskops/shop/db-AbCdEf:password:AWSCURRENT:"}},
		{name: "other partitions and accounts", secrets: []string{"arn:aws-cn:ssm:cn-north-1:210987654321:parameter/flaskops/shop/db"}},
		{name: "another namespace's secret", secrets: []string{sm + "flaskops/bank/db-AbCdEf"}, refused: []string{"[0] (S0) " + sm + "flaskops/bank/db-AbCdEf"}},
		{name: "a namespace that starts like ours", secrets: []string{ssm + "flaskops/shop-2/db"}, refused: []string{"flaskops/shop-2/db"}},
		{name: "the namespace's own path only, not a name beside it", secrets: []string{sm + "flaskops/shop-AbCdEf"}, refused: []string{"flaskops/shop-AbCdEf"}},
		{name: "outside flaskops/", secrets: []string{ssm + "prod/db"}, refused: []string{"prod/db"}},
		{name: "the right path in the wrong service", secrets: []string{"arn:aws:ssm:eu-west-1:123456789012:secret:flaskops/shop/db"}, refused: []string{"secret:flaskops/shop/db"}},
		{name: "every refused entry is named", secrets: []string{ssm + "flaskops/shop/ok", ssm + "a", sm + "b-AbCdEf"},
			refused: []string{"[1] (S1) " + ssm + "a", "[2] (S2) " + sm + "b-AbCdEf"}},
		{name: "a wildcard stays within one field", prefixes: []string{"arn:aws:ssm:*:123456789012:parameter/shared/"},
			secrets: []string{"arn:aws:ssm:eu-west-1:x:123456789012:parameter/shared/db"}, refused: []string{"x:123456789012"}},
		{name: "custom prefixes replace the defaults", prefixes: []string{"arn:aws:ssm:*:*:parameter/teams/{namespace}/", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/"},
			secrets: []string{ssm + "teams/shop/db", sm + "shared/tls-AbCdEf", ssm + "flaskops/shop/db"}, refused: []string{"flaskops/shop/db"}},
		{name: "regexp characters in a prefix are literal", prefixes: []string{"arn:aws:ssm:*:*:parameter/a.b/"},
			secrets: []string{ssm + "aXb/db"}, refused: []string{"aXb/db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "app"}}
			for i, s := range tc.secrets {
				fd.Spec.Service.Secrets = append(fd.Spec.Service.Secrets, v1alpha1.SecretEnvVar{Name: "S" + string(rune('0'+i)), ValueFrom: s})
			}
			err := checkSecrets(fd, tc.prefixes)
			if tc.refused == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			term, ok := stage.AsTerminal(err)
			if !ok || term.Reason != v1alpha1.ReasonSecretNotAllowed {
				t.Fatalf("err = %v, want a terminal %s", err, v1alpha1.ReasonSecretNotAllowed)
			}
			for _, want := range append(tc.refused, "--secret-arn-prefix") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not name %q", err, want)
				}
			}
			if tc.prefixes == nil && !strings.Contains(err.Error(), "arn:*:ssm:*:*:parameter/flaskops/shop/") {
				t.Errorf("message %q does not name the allowed prefixes with the namespace filled in", err)
			}
			for _, s := range tc.secrets {
				refused := slices.ContainsFunc(tc.refused, func(r string) bool { return strings.Contains(s, r) || strings.Contains(r, s) })
				if !refused && strings.Contains(err.Error(), ") "+s) {
					t.Errorf("message %q names the allowed %s", err, s)
				}
			}
		})
	}
}

package controllers

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// NamespacePlaceholder in a secret ARN prefix stands for the FlaskDeployment's namespace.
const NamespacePlaceholder = "{namespace}"

// DefaultSecretARNPrefixes are where a FlaskDeployment's secrets may live when the manager
// names no --secret-arn-prefix: Secrets Manager names and SSM parameter paths under
// flaskops/<namespace>/, in any partition, region and account.
var DefaultSecretARNPrefixes = []string{
	"arn:*:secretsmanager:*:*:secret:flaskops/" + NamespacePlaceholder + "/",
	"arn:*:ssm:*:*:parameter/flaskops/" + NamespacePlaceholder + "/",
}

// checkSecrets refuses spec.service.secrets entries outside the prefixes (nil: the
// defaults): the task execution role is granted every entry, so without this one tenant
// could read another's secrets by naming their ARNs. In a prefix, {namespace} is the
// object's namespace and * matches within one ARN field or path segment.
func checkSecrets(fd *v1alpha1.FlaskDeployment, prefixes []string) error {
	if prefixes == nil {
		prefixes = DefaultSecretARNPrefixes
	}
	allowed := make([]string, len(prefixes))
	patterns := make([]*regexp.Regexp, len(prefixes))
	for i, p := range prefixes {
		allowed[i] = strings.ReplaceAll(p, NamespacePlaceholder, fd.Namespace)
		parts := strings.Split(allowed[i], "*")
		for j := range parts {
			parts[j] = regexp.QuoteMeta(parts[j])
		}
		patterns[i] = regexp.MustCompile("^" + strings.Join(parts, "[^:/]*"))
	}
	var refused []string
	for i, s := range fd.Spec.Service.Secrets {
		if !matchesAny(patterns, s.ValueFrom) {
			refused = append(refused, fmt.Sprintf("spec.service.secrets[%d] (%s) %s", i, s.Name, s.ValueFrom))
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return stage.Terminalf(v1alpha1.ReasonSecretNotAllowed,
		"%s: secrets of namespace %s must be under %s (the manager's --secret-arn-prefix)",
		strings.Join(refused, "; "), fd.Namespace, strings.Join(allowed, " or "))
}

func matchesAny(patterns []*regexp.Regexp, s string) bool {
	for _, p := range patterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

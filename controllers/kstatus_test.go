package controllers_test

import (
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// kstatusOf computes kstatus on one read of the live object, so that the object the
// test looks at and the one kstatus judged are the same.
func kstatusOf(g Gomega, fd *v1alpha1.FlaskDeployment) status.Status {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fd)
	g.Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	g.Expect(err).NotTo(HaveOccurred())
	return res.Status
}

// changeSpec changes spec.tags (a new generation), and the fake stages' annotations in
// the same write.
func changeSpec(fd *v1alpha1.FlaskDeployment, annotations map[string]string) {
	cur := get(fd)
	patch := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	for k, v := range annotations {
		cur.Annotations[k] = v
	}
	cur.Spec.Tags = map[string]string{"after-generation": strconv.FormatInt(cur.Generation, 10)}
	Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
}

var _ = Describe("kstatus on the live object", func() {
	It("is InProgress while converging and Current once Ready", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "waiting"})
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling)).NotTo(BeNil())
			g.Expect(kstatusOf(g, cur)).To(Equal(status.InProgressStatus))
		}, timeout, poll).Should(Succeed())

		setAnnotation(fd, annotationPrefix+"alpha", "ready")
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
			g.Expect(kstatusOf(g, cur)).To(Equal(status.CurrentStatus))
		}, timeout, poll).Should(Succeed())
	})

	It("is InProgress while observedGeneration lags, though the conditions still say Ready", func() {
		fd := newFD(nil)
		waitReady(fd)
		// Paused, the new generation is never looked at: only the lag tells.
		setAnnotation(fd, v1alpha1.AnnotationPaused, "true")
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(fd).Status.Conditions, v1alpha1.ConditionPaused)
		}, timeout, poll).Should(BeTrue())
		changeSpec(fd, nil)
		cur := get(fd)
		Expect(cur.Status.ObservedGeneration).To(BeNumerically("<", cur.Generation))
		Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeNil())
		Expect(kstatusOf(Default, cur)).To(Equal(status.InProgressStatus))
	})

	It("is InProgress while a new generation fails to be evaluated, then Current", func() {
		fd := newFD(nil)
		waitReady(fd)
		changeSpec(fd, map[string]string{annotationPrefix + "beta": "transient-6"})
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.FindStatusCondition(cur.Status.Conditions, v1alpha1.ConditionReady)).
				To(haveCondition(metav1.ConditionUnknown, v1alpha1.ReasonRetrying))
			g.Expect(cur.Status.ObservedGeneration).To(BeNumerically("<", cur.Generation))
			g.Expect(kstatusOf(g, cur)).To(Equal(status.InProgressStatus))
		}, timeout, poll).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(kstatusOf(g, get(fd))).To(Equal(status.CurrentStatus))
		}, timeout, poll).Should(Succeed())
	})

	It("is Failed when Stalled", func() {
		fd := newFD(map[string]string{annotationPrefix + "beta": "terminal"})
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionStalled)).To(BeTrue())
			g.Expect(kstatusOf(g, cur)).To(Equal(status.FailedStatus))
		}, timeout, poll).Should(Succeed())
	})

	It("is Terminating while the deletion waits on a stage", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha-delete": "slow-5"})
		waitReady(fd)
		Expect(env.Client.Delete(ctx, fd)).To(Succeed())
		Eventually(func(g Gomega) {
			cur := get(fd)
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, v1alpha1.ConditionDeletionBlocked)).To(BeTrue())
			g.Expect(kstatusOf(g, cur)).To(Equal(status.TerminatingStatus))
		}, timeout, poll).Should(Succeed())
	})
})

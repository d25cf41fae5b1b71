"""The learning track: modules from courses/, enrolment, completion, quizzes, certificates."""

"""The call-back desk: offering call-back tasks to free seats and placing the call-backs."""

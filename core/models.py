# Sign-in failures used to be rows of core's own; django-axes keeps them now (core/signin.py).

"""The /v1/ API's shared parts: OpenAI's error shape, the token-authenticated base view.

Every /v1/ endpoint (videos in generation, ratings in feedback, leaked-token reports here)
answers errors through `errors`; those a tester token calls derive from `views.TokenApiView`.
"""

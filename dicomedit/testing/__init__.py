"""Testing support for sites and for dicomedit's own tests.

Hypothesis strategies, a pytest plugin and a fake XNAT server live here so that a site can prove
its own script and deploy job with a few lines of pytest.
"""

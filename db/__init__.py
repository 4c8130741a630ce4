"""The data layer: schema, engine and sessions, migrations, queries and the demo data.

Pages never write SQL; they call functions here with the signed-in user's
``core.authz.Scope`` so that every query is limited to what that user may see.
"""

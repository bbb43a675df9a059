#include "stub_application.h"

POCO_SERVER_MAIN(cpe::stub::StubApplication)

#include <iostream>  // POCO_SERVER_MAIN reports uncaught errors on std::cerr

#include "stub_application.h"

POCO_SERVER_MAIN(cpe::stub::StubApplication)

#include <iostream>  // POCO_SERVER_MAIN reports uncaught errors on std::cerr

#include "host_application.h"

POCO_SERVER_MAIN(cpe::host::HostApplication)

# Warnings apply to our own targets only; third-party headers come in as
# SYSTEM includes through their imported targets.
function(cpe_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast)
  if(CPE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

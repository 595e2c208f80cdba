// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.ml;

import java.io.Serializable;
import java.util.regex.Pattern;
import scala.runtime.AbstractFunction1;

/** Param validators that {@link org.apache.spark.ml.param.ParamValidators} lacks, serializable like Spark's. */
final class Validators {
    private Validators() {
    }

    /** A non-empty array of positive sizes. */
    static final class PositiveSizes extends AbstractFunction1<int[], Object> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(int[] sizes) {
            if (sizes == null || sizes.length == 0) {
                return false;
            }
            for (int s : sizes) {
                if (s <= 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A string matching a regular expression. */
    static final class Matches extends AbstractFunction1<String, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String regex;

        Matches(String regex) {
            this.regex = regex;
        }

        @Override
        public Object apply(String s) {
            return s != null && Pattern.matches(regex, s);
        }
    }
}
